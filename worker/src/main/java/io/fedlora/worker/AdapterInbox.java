package io.fedlora.worker;

import io.aeron.Aeron;
import io.aeron.Subscription;
import io.fedlora.transport.aeron.DataStreams;
import io.fedlora.transport.aeron.DropCounters;
import io.fedlora.transport.aeron.Endpoints;
import io.fedlora.transport.aeron.TransferReceiver;
import io.fedlora.transport.aeron.TransportContext;
import io.fedlora.transport.message.Message;
import io.fedlora.transport.wire.MessageCodec;
import java.util.function.Consumer;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's end of the adapter stream: an Aeron subscription at the data endpoint whose {@link
 * TransferReceiver} runs on its own agent thread and hands every {@link Message.GlobalAdapter} to a
 * sink (the worker actor, whichever is current). Anything else arriving there is logged and
 * dropped. {@link #endpoint()} is the {@code host:port} to advertise, with a port 0 resolved to the
 * one the subscription took.
 */
final class AdapterInbox implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdapterInbox.class);

    private final Subscription subscription;
    private final AgentRunner runner;
    private final DropCounters drops = new DropCounters();
    private final String endpoint;

    /**
     * @param dataEndpoint {@code host:port} to receive on; port 0 takes a free one
     * @param advertisedHost the host to advertise when {@code dataEndpoint}'s is a wildcard
     * @param sink told of every global adapter, on the receiver's thread
     */
    AdapterInbox(
            Aeron aeron,
            TransportContext ctx,
            MessageCodec codec,
            String dataEndpoint,
            String advertisedHost,
            Consumer<Message.GlobalAdapter> sink) {
        subscription = aeron.addSubscription(ctx.udpChannel(dataEndpoint), DataStreams.ADAPTERS);
        try {
            endpoint = Endpoints.advertised(subscription, dataEndpoint, advertisedHost);
        } catch (RuntimeException e) {
            CloseHelper.quietClose(subscription);
            throw e;
        }
        TransferReceiver receiver =
                TransferReceiver.forMessages(
                        subscription,
                        codec,
                        drops,
                        ctx,
                        (message, session) -> {
                            if (message instanceof Message.GlobalAdapter g) {
                                sink.accept(g);
                            } else {
                                LOG.warn(
                                        "dropped a {} on the adapter stream (session {})",
                                        message.getClass().getSimpleName(),
                                        session);
                            }
                        });
        runner =
                new AgentRunner(
                        new BackoffIdleStrategy(),
                        e -> LOG.error("adapter receiver failed", e),
                        null,
                        receiver);
        AgentRunner.startOnThread(runner);
    }

    /** {@code host:port} where global adapters for this worker are to be sent. */
    String endpoint() {
        return endpoint;
    }

    /** Transfers dropped so far (corrupt, oversized, stalled, undecodable), by reason. */
    DropCounters drops() {
        return drops;
    }

    @Override
    public void close() {
        CloseHelper.closeAll(runner, subscription);
    }
}
