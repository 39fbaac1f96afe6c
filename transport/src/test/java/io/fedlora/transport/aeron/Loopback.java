package io.fedlora.transport.aeron;

import io.aeron.Publication;
import io.aeron.Subscription;
import io.fedlora.transport.message.Message;
import io.fedlora.transport.wire.MessageCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;

/**
 * One embedded driver, a publication and a subscription on the same stream, and a receiver on its
 * own agent thread that queues what it delivers. Small terms keep tests light.
 */
final class Loopback implements AutoCloseable {
    static final int STREAM = 1001;

    final TransportContext ctx;
    final AeronNode node;
    final MessageCodec codec;
    final Publication publication;
    final Subscription subscription;
    final DropCounters drops = new DropCounters();
    final Queue<Message> received = new ConcurrentLinkedQueue<>();
    final TransferReceiver receiver;
    final AgentRunner runner;

    Loopback(Path dir, boolean ipc, int port) {
        this(dir, ipc, port, null);
    }

    /** With {@code peerEndpoint}, publishes to that endpoint instead of to itself. */
    Loopback(Path dir, boolean ipc, int port, String peerEndpoint) {
        ctx =
                new TransportContext()
                        .aeronDirectoryName(dir.resolve("aeron").toString())
                        .termLength(4 << 20)
                        .socketBufferLength(1 << 20)
                        .maxMessageBytes(8 << 20)
                        .maxPendingBytes(32 << 20)
                        .reassemblyTimeoutNs(Duration.ofMillis(500).toNanos())
                        .sendTimeoutNs(Duration.ofSeconds(10).toNanos());
        node = AeronNode.launch(ctx);
        codec = new MessageCodec(ctx.maxMessageBytes());
        String channel = ipc ? ctx.ipcChannel() : ctx.udpChannel("localhost:" + port);
        subscription = node.aeron().addSubscription(channel, STREAM);
        String out = peerEndpoint == null ? channel : ctx.udpChannel(peerEndpoint);
        publication = node.aeron().addExclusivePublication(out, STREAM);
        receiver =
                TransferReceiver.forMessages(
                        subscription, codec, drops, ctx, (m, session) -> received.add(m));
        runner =
                new AgentRunner(
                        new BackoffIdleStrategy(), Throwable::printStackTrace, null, receiver);
        AgentRunner.startOnThread(runner);
        await(publication::isConnected, "publication connected");
    }

    TransferSender sender() {
        return new TransferSender(publication, codec, new BackoffIdleStrategy(), ctx);
    }

    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        SleepingMillisIdleStrategy idle = new SleepingMillisIdleStrategy(1);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            idle.idle();
        }
    }

    @Override
    public void close() {
        CloseHelper.closeAll(runner, publication, subscription, node);
    }
}
