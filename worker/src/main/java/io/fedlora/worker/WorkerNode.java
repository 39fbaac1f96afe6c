package io.fedlora.worker;

import com.typesafe.config.Config;
import io.fedlora.transport.aeron.AeronNode;
import io.fedlora.transport.aeron.TransportContext;
import io.fedlora.transport.message.Message;
import io.fedlora.transport.wire.MessageCodec;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker process: the Aeron data plane (an embedded media driver, the adapter subscription, the
 * job thread with its result publication) and, on top of it, a Pekko actor system whose {@link
 * WorkerActor} speaks the control protocol. {@link #run()} blocks until the run ends.
 *
 * <p>When the actor system terminates without the run having ended (the split brain resolver downed
 * this node because the coordinator was lost, or no coordinator was left to rejoin), a fresh actor
 * system is started after {@code reconnect-backoff} and joins the seed nodes again; the data plane,
 * the data and the model stay in memory.
 */
public final class WorkerNode {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerNode.class);

    /** Exit status after a fatal error. */
    public static final int EXIT_FAILED = 1;

    private final Config config;
    private final WorkerSettings settings;
    private final LocalClient client;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final AtomicReference<ActorSystem<Void>> system = new AtomicReference<>();
    private final CompletableFuture<String> adapterEndpoint = new CompletableFuture<>();

    /**
     * @param config the whole configuration: {@code fedlora.transport}, and Pekko's settings the
     *     cluster settings are laid over
     */
    public WorkerNode(Config config, WorkerSettings settings, LocalClient client) {
        this.config = config;
        this.settings = settings;
        this.client = client;
    }

    /**
     * Runs the worker until the run ends and returns its exit status: {@value
     * WorkerActor#EXIT_FINISHED} after {@code RunFinished} (or {@link #stop()}), {@value
     * WorkerActor#EXIT_REFUSED} after {@code JoinRefused}, {@value #EXIT_FAILED} on a fatal error.
     * Closes everything it opened.
     */
    public int run() {
        TransportContext ctx;
        try {
            ctx = TransportContext.fromConfig(config);
        } catch (RuntimeException e) {
            LOG.error("worker {}: {}", settings.id(), e.getMessage());
            return EXIT_FAILED;
        }
        MessageCodec codec = new MessageCodec(ctx.maxMessageBytes());
        AtomicReference<ActorRef<WorkerActor.Command>> worker = new AtomicReference<>();
        try (AeronNode aeron = AeronNode.launch(ctx);
                AdapterInbox inbox =
                        new AdapterInbox(
                                aeron.aeron(),
                                ctx,
                                codec,
                                settings.dataEndpoint(),
                                settings.cluster().host(),
                                adapter -> deliver(worker, adapter));
                JobRunner jobs =
                        new JobRunner(
                                client,
                                settings.id(),
                                settings.batchSize(),
                                aeron.aeron(),
                                ctx,
                                codec)) {
            adapterEndpoint.complete(inbox.endpoint());
            while (!exit.isDone()) {
                runActorSystem(
                        WorkerActor.create(
                                settings, client, jobs, inbox.endpoint(), exit::complete),
                        worker);
                if (!exit.isDone()) {
                    LOG.warn(
                            "worker {}: the actor system terminated without the run ending;"
                                    + " joining again in {} ms",
                            settings.id(),
                            settings.reconnectBackoff().toMillis());
                    awaitExit(settings.reconnectBackoff().toMillis());
                }
            }
            return exit.join();
        } catch (RuntimeException e) {
            LOG.error("worker {}: {}", settings.id(), e.getMessage(), e);
            return EXIT_FAILED;
        } finally {
            adapterEndpoint.completeExceptionally(new IllegalStateException("the worker ended"));
        }
    }

    /** Starts an actor system with the worker actor and waits until it terminates. */
    private void runActorSystem(
            Behavior<WorkerActor.Command> behavior,
            AtomicReference<ActorRef<WorkerActor.Command>> worker) {
        ActorSystem<Void> s =
                ActorSystem.create(
                        guardian(behavior, worker, exit::complete),
                        settings.cluster().systemName(),
                        settings.cluster().pekkoConfig("worker", config));
        system.set(s);
        if (exit.isDone()) {
            s.terminate(); // stop() came while the system started
        }
        exit.whenComplete((code, error) -> s.terminate());
        s.getWhenTerminated().toCompletableFuture().join();
        worker.set(null);
    }

    /**
     * The root of a worker's actor system: runs the worker actor and ends the system with it; a
     * failure of the worker actor (a bug) ends the process with {@value #EXIT_FAILED}. The system
     * is ended through {@code terminate()}, whose coordinated shutdown leaves the cluster
     * gracefully while the cluster's own actors still run (stopping the root instead would skip
     * that, and the coordinator would see the node as unreachable rather than gone).
     */
    private static Behavior<Void> guardian(
            Behavior<WorkerActor.Command> behavior,
            AtomicReference<ActorRef<WorkerActor.Command>> worker,
            IntConsumer exit) {
        return Behaviors.setup(
                ctx -> {
                    ActorRef<WorkerActor.Command> ref = ctx.spawn(behavior, "worker");
                    ctx.watch(ref);
                    worker.set(ref);
                    return Behaviors.receive(Void.class)
                            .onSignal(
                                    ChildFailed.class,
                                    f -> {
                                        LOG.error("the worker actor failed", f.getCause());
                                        exit.accept(EXIT_FAILED);
                                        ctx.getSystem().terminate();
                                        return Behaviors.same();
                                    })
                            .onSignal(
                                    Terminated.class,
                                    t -> {
                                        ctx.getSystem().terminate();
                                        return Behaviors.same();
                                    })
                            .build();
                });
    }

    private static void deliver(
            AtomicReference<ActorRef<WorkerActor.Command>> worker, Message.GlobalAdapter adapter) {
        ActorRef<WorkerActor.Command> ref = worker.get();
        if (ref == null) {
            LOG.warn("adapter v{} arrived while no worker actor runs; dropped", adapter.version());
            return;
        }
        ref.tell(new WorkerActor.AdapterArrived(adapter));
    }

    private void awaitExit(long millis) {
        try {
            exit.get(millis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // the backoff passed (or nobody will complete exit exceptionally): rejoin
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exit.complete(EXIT_FAILED);
        }
    }

    /**
     * The {@code host:port} where this worker receives adapters, once the data plane is up (for
     * tests and logs); fails when the worker ended before.
     */
    public CompletableFuture<String> adapterEndpoint() {
        return adapterEndpoint;
    }

    /**
     * Ends {@link #run()} as if the run had finished (exit status 0): for shutdown hooks and tests.
     */
    public void stop() {
        exit.complete(WorkerActor.EXIT_FINISHED);
        ActorSystem<Void> s = system.get();
        if (s != null) {
            s.terminate();
        }
    }
}
