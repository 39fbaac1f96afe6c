package io.fedlora.coordinator;

import io.aeron.Publication;
import io.aeron.Subscription;
import io.fedlora.transport.aeron.AeronNode;
import io.fedlora.transport.aeron.DataStreams;
import io.fedlora.transport.aeron.DropCounters;
import io.fedlora.transport.aeron.DropReason;
import io.fedlora.transport.aeron.Endpoints;
import io.fedlora.transport.aeron.TransferReceiver;
import io.fedlora.transport.aeron.TransferSender;
import io.fedlora.transport.aeron.TransportContext;
import io.fedlora.transport.message.Message;
import io.fedlora.transport.wire.MessageCodec;
import io.fedlora.transport.wire.PooledMessage;
import io.fedlora.transport.wire.TensorPool;
import io.fedlora.transport.wire.WireOutput;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's side of the Aeron data plane: one subscription where every worker's updates
 * arrive (reassembled, checked and decoded into pooled arrays on the receiver's own thread, then
 * handed to {@code onUpdate}), and one publication per worker endpoint for global adapters. Each
 * adapter version is encoded once and the same frame is sent to every worker that needs it, on one
 * sending thread, so the actor never blocks on the network.
 */
public final class DataPlane implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DataPlane.class);

    /**
     * Free update arrays kept for the next round: updates of one round have the same layout, so
     * after the first round decoding writes into arrays that already exist (at memcpy speed)
     * instead of allocating new ones.
     */
    private static final long POOL_BYTES = 1L << 30;

    private final AeronNode node;
    private final TransportContext ctx;
    private final MessageCodec codec;
    private final Subscription results;
    private final String resultEndpoint;
    private final TransferReceiver receiver;
    private final AgentRunner receiverRunner;
    private final DropCounters drops = new DropCounters();
    private final ExecutorService sending =
            Executors.newSingleThreadExecutor(
                    r -> {
                        Thread t = new Thread(r, "fedlora-adapter-sender");
                        t.setDaemon(true);
                        return t;
                    });

    /** Sending thread only: one sender per worker endpoint, and the last encoded version. */
    private final Map<String, Link> links = new HashMap<>();

    /** One worker endpoint's publication and the sender writing to it. */
    private record Link(Publication publication, TransferSender sender) {}

    private long encodedVersion = -1;
    private ByteBuffer encoded;

    /**
     * @param endpoint {@code host:port} of the update subscription; port 0 binds any free port
     * @param advertisedHost the host workers reach this node at, when {@code endpoint}'s is a
     *     wildcard
     * @param onUpdate called on the receiver thread with each decoded update, whose arrays come
     *     from a pool: whoever takes it closes it once the update is aggregated or dropped
     */
    DataPlane(
            TransportContext ctx,
            String endpoint,
            String advertisedHost,
            Consumer<PooledMessage> onUpdate) {
        this.ctx = ctx;
        this.codec = new MessageCodec(ctx.maxMessageBytes());
        this.node = AeronNode.launch(ctx);
        try {
            this.results =
                    node.aeron().addSubscription(ctx.udpChannel(endpoint), DataStreams.RESULTS);
            this.resultEndpoint = Endpoints.advertised(results, endpoint, advertisedHost);
            this.receiver =
                    TransferReceiver.forPooledMessages(
                            results,
                            codec,
                            new TensorPool(POOL_BYTES),
                            drops,
                            ctx,
                            (message, session) -> onUpdate.accept(message));
            this.receiverRunner =
                    new AgentRunner(
                            new SleepingMillisIdleStrategy(1), this::receiverError, null, receiver);
            AgentRunner.startOnThread(receiverRunner);
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
    }

    private void receiverError(Throwable t) {
        log.error("update receiver: {}", t.toString());
    }

    /** The endpoint workers send updates to, once bound (see {@link Endpoints#advertised}). */
    String resultEndpoint() {
        return resultEndpoint;
    }

    /**
     * Sends {@code adapter} to the worker at {@code endpoint}; the future completes when the last
     * chunk is written, or exceptionally when the transfer fails (e.g. the worker is gone).
     */
    CompletableFuture<Void> sendAdapter(String endpoint, Message.GlobalAdapter adapter) {
        return CompletableFuture.runAsync(
                () -> {
                    ByteBuffer frame = frameOf(adapter);
                    Link link = links.computeIfAbsent(endpoint, this::newLink);
                    long t0 = System.nanoTime();
                    link.sender().sendFrame(frame.duplicate());
                    log.debug(
                            "sent adapter v{} ({} bytes) to {} in {} ms",
                            adapter.version(),
                            frame.remaining(),
                            endpoint,
                            (System.nanoTime() - t0) / 1_000_000);
                },
                sending);
    }

    /** Forgets the publication to a worker that left (sending thread). */
    void forget(String endpoint) {
        sending.execute(
                () -> {
                    Link gone = links.remove(endpoint);
                    if (gone != null) {
                        gone.publication().close();
                    }
                });
    }

    private ByteBuffer frameOf(Message.GlobalAdapter adapter) {
        if (adapter.version() != encodedVersion) {
            WireOutput out = codec.newOutput();
            codec.encode(adapter, out);
            ByteBuffer written = out.written();
            encoded = ByteBuffer.allocateDirect(written.remaining());
            encoded.put(written).flip();
            encodedVersion = adapter.version();
        }
        return encoded;
    }

    private Link newLink(String endpoint) {
        Publication publication =
                node.aeron()
                        .addExclusivePublication(ctx.udpChannel(endpoint), DataStreams.ADAPTERS);
        return new Link(
                publication,
                new TransferSender(publication, codec, new BackoffIdleStrategy(), ctx));
    }

    /** Updates dropped by the receiver, by reason. */
    Map<DropReason, Long> drops() {
        return drops.snapshot();
    }

    @Override
    public void close() {
        sending.shutdownNow();
        receiverRunner.close();
        node.close();
    }
}
