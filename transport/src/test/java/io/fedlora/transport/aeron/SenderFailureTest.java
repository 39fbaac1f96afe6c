package io.fedlora.transport.aeron;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aeron.ExclusivePublication;
import io.fedlora.transport.message.Message;
import io.fedlora.transport.wire.MessageCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A send that cannot progress ends with a clear error instead of spinning forever. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SenderFailureTest {
    @TempDir Path dir;
    private AeronNode node;
    private ExclusivePublication pub;

    @AfterEach
    void close() {
        CloseHelper.closeAll(pub, node);
    }

    private TransferSender sender(TransportContext ctx) {
        return new TransferSender(pub, new MessageCodec(1 << 20), new BackoffIdleStrategy(), ctx);
    }

    @Test
    void shouldFailAfterTheSendTimeoutWhenNobodyListensAndAtOnceWhenClosed() {
        TransportContext ctx =
                new TransportContext()
                        .aeronDirectoryName(dir.resolve("aeron").toString())
                        .termLength(1 << 20)
                        .socketBufferLength(1 << 20)
                        .maxMessageBytes(1 << 20)
                        .sendTimeoutNs(Duration.ofMillis(300).toNanos());
        node = AeronNode.launch(ctx);
        pub = node.aeron().addExclusivePublication(ctx.udpChannel("localhost:24501"), 7);
        TransferSender sender = sender(ctx);
        long t0 = System.nanoTime();
        TransferFailedException stalled =
                assertThrows(
                        TransferFailedException.class,
                        () -> sender.send(new Message.Heartbeat("w", 1)));
        long waitedMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(stalled.getMessage().contains("not connected"), stalled.getMessage());
        assertTrue(waitedMs >= 300 && waitedMs < 5_000, "waited " + waitedMs + " ms");
        assertTrue(sender.retries() > 0);

        pub.close();
        TransferFailedException closed =
                assertThrows(
                        TransferFailedException.class,
                        () -> sender.send(new Message.Heartbeat("w", 2)));
        assertTrue(closed.getMessage().contains("is closed"), closed.getMessage());
    }
}
