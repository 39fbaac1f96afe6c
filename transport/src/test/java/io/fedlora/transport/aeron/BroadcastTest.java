package io.fedlora.transport.aeron;

import static io.fedlora.transport.wire.AdapterAssertions.assertSameMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.fedlora.codec.TensorCodec;
import io.fedlora.transport.message.AdapterPayload;
import io.fedlora.transport.message.Message;
import io.fedlora.transport.wire.Fixtures;
import io.fedlora.transport.wire.MessageCodec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.CompositeAgent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** One MDC publication reaches three workers while writing each version's bytes once. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BroadcastTest {
    private static final String CONTROL = "localhost:24401";
    private static final int STREAM = 1003;

    @TempDir Path dir;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void close() {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            CloseHelper.quietClose(closeables.get(i));
        }
    }

    @Test
    void shouldSendEachVersionOnceToEveryWorker() {
        TransportContext ctx =
                new TransportContext()
                        .aeronDirectoryName(dir.resolve("aeron").toString())
                        .termLength(4 << 20)
                        .socketBufferLength(1 << 20)
                        .maxMessageBytes(8 << 20);
        AeronNode node = AeronNode.launch(ctx);
        closeables.add(node);
        MessageCodec codec = new MessageCodec(ctx.maxMessageBytes());
        ExclusivePublication pub =
                node.aeron()
                        .addExclusivePublication(ctx.broadcastPublicationChannel(CONTROL), STREAM);
        closeables.add(pub);
        List<Queue<Message>> inboxes = new ArrayList<>();
        List<TransferReceiver> receivers = new ArrayList<>();
        DropCounters drops = new DropCounters();
        for (int w = 0; w < 3; w++) {
            Subscription sub =
                    node.aeron()
                            .addSubscription(
                                    ctx.broadcastSubscriptionChannel(
                                            "localhost:" + (24402 + w), CONTROL),
                                    STREAM);
            closeables.add(sub);
            Queue<Message> inbox = new ConcurrentLinkedQueue<>();
            inboxes.add(inbox);
            receivers.add(
                    TransferReceiver.forMessages(sub, codec, drops, ctx, (m, s) -> inbox.add(m)));
        }
        AgentRunner runner =
                new AgentRunner(
                        new BackoffIdleStrategy(),
                        Throwable::printStackTrace,
                        null,
                        new CompositeAgent(new ArrayList<>(receivers)));
        AgentRunner.startOnThread(runner);
        closeables.add(runner);
        Loopback.await(pub::isConnected, "a worker connected");
        // Dynamic MDC adds destinations as their status messages arrive: wait for all three.
        Loopback.await(
                () -> receivers.stream().allMatch(r -> r.subscription().isConnected()),
                "all workers connected");

        AdapterBroadcaster broadcaster =
                new AdapterBroadcaster(
                        new TransferSender(pub, codec, new BackoffIdleStrategy(), ctx));
        Message.GlobalAdapter v1 =
                new Message.GlobalAdapter(
                        1,
                        new AdapterPayload(Fixtures.adapter(1, 4, 8, 512, 512), TensorCodec.FP32));
        int frameBytes = codec.encodeToBytes(v1).length;
        assertTrue(broadcaster.broadcast(v1));
        assertFalse(broadcaster.broadcast(v1), "the same version is not sent twice");
        Loopback.await(() -> inboxes.stream().allMatch(q -> q.size() == 1), "every worker got v1");
        for (Queue<Message> inbox : inboxes) {
            assertSameMessage(v1, inbox.peek());
        }
        // The stream advanced by one copy of the message (plus chunk and frame headers), not three.
        long written = pub.position();
        assertTrue(
                written >= frameBytes && written < frameBytes * 1.05,
                written + " vs " + frameBytes);
        assertEquals(0, drops.total());
    }
}
