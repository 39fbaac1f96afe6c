package io.fedlora.transport.aeron;

import io.aeron.Publication;
import io.aeron.Subscription;
import io.fedlora.transport.wire.MessageCodec;
import org.agrona.concurrent.BackoffIdleStrategy;

/**
 * The other JVM of {@link TwoProcessTest}: receives messages on UDP, decodes them, and sends each
 * one back re-encoded, until its parent closes stdin.
 *
 * <p>Arguments: aeron directory, endpoint to listen on, endpoint to reply to.
 */
public final class EchoPeer {
    public static void main(String[] args) throws Exception {
        TransportContext ctx =
                new TransportContext()
                        .aeronDirectoryName(args[0])
                        .termLength(4 << 20)
                        .socketBufferLength(1 << 20)
                        .maxMessageBytes(8 << 20);
        try (AeronNode node = AeronNode.launch(ctx);
                Subscription sub =
                        node.aeron().addSubscription(ctx.udpChannel(args[1]), Loopback.STREAM);
                Publication pub =
                        node.aeron()
                                .addExclusivePublication(
                                        ctx.udpChannel(args[2]), Loopback.STREAM)) {
            MessageCodec codec = new MessageCodec(ctx.maxMessageBytes());
            TransferSender sender = new TransferSender(pub, codec, new BackoffIdleStrategy(), ctx);
            TransferReceiver receiver =
                    TransferReceiver.forMessages(
                            sub, codec, new DropCounters(), ctx, (m, session) -> sender.send(m));
            BackoffIdleStrategy idle = new BackoffIdleStrategy();
            System.out.println("ready");
            System.out.flush();
            while (System.in.available() == 0 || System.in.read() >= 0) {
                idle.idle(receiver.doWork());
            }
        }
    }
}
