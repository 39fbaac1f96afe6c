package io.fedlora.transport.aeron;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.CloseHelper;

/**
 * One process's connection to Aeron: an embedded media driver (the default) or an external one
 * named by {@link TransportContext#aeronDirectoryName()}, and the client on top of it. Close it to
 * release both.
 */
public final class AeronNode implements AutoCloseable {

    private final MediaDriver driver;
    private final Aeron aeron;

    private AeronNode(MediaDriver driver, Aeron aeron) {
        this.driver = driver;
        this.aeron = aeron;
    }

    public static AeronNode launch(TransportContext ctx) {
        ctx.conclude();
        MediaDriver driver = null;
        if (ctx.embeddedDriver()) {
            MediaDriver.Context d =
                    new MediaDriver.Context()
                            .aeronDirectoryName(ctx.aeronDirectoryName())
                            .dirDeleteOnStart(true)
                            .dirDeleteOnShutdown(true)
                            // One driver thread: the hosts we target have few cores.
                            .threadingMode(ThreadingMode.SHARED)
                            .mtuLength(ctx.mtuLength())
                            .ipcMtuLength(ctx.mtuLength())
                            .publicationTermBufferLength(ctx.termLength())
                            .ipcTermBufferLength(ctx.termLength())
                            .socketSndbufLength(ctx.socketBufferLength())
                            .socketRcvbufLength(ctx.socketBufferLength())
                            .initialWindowLength(
                                    Math.min(ctx.termLength() / 2, ctx.socketBufferLength()))
                            .warnIfDirectoryExists(false);
            driver = MediaDriver.launch(d);
        }
        try {
            Aeron aeron =
                    Aeron.connect(new Aeron.Context().aeronDirectoryName(ctx.aeronDirectoryName()));
            return new AeronNode(driver, aeron);
        } catch (RuntimeException e) {
            CloseHelper.quietClose(driver);
            throw e;
        }
    }

    public Aeron aeron() {
        return aeron;
    }

    @Override
    public void close() {
        CloseHelper.closeAll(aeron, driver);
    }
}
