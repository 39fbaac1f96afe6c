package io.fedlora.worker;

import io.fedlora.aggregation.EvaluateResult;
import io.fedlora.lora.Adapter;
import io.fedlora.transport.control.ControlKeys;
import io.fedlora.transport.control.JoinProofs;
import io.fedlora.transport.control.ToCoordinator;
import io.fedlora.transport.control.ToWorker;
import io.fedlora.transport.message.Message;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.IntConsumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's side of the control protocol: finds the coordinator through the receptionist, joins
 * (Join, the challenge's HMAC proof, JoinAccepted), advertises its capacity, sends heartbeats, and
 * carries out fit and evaluate instructions on the {@link JobRunner}'s thread, one at a time (a
 * second instruction while one is under way is answered with an {@code ErrorReport} "busy").
 *
 * <p>Global adapters arrive over Aeron as {@link AdapterArrived}; the latest two versions are kept,
 * and an instruction waits up to {@code adapter-wait} for its version. When the coordinator goes
 * away the worker looks for it again; when no coordinator is left in the cluster it stops, so its
 * node starts a fresh actor system that joins the seed nodes again. It stops for good after {@code
 * RunFinished} (exit status 0) or {@code JoinRefused} (3), telling {@code exit}.
 */
public final class WorkerActor extends AbstractBehavior<WorkerActor.Command> {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerActor.class);

    /** Exit status after the run finished. */
    public static final int EXIT_FINISHED = 0;

    /** Exit status after the coordinator refused the join. */
    public static final int EXIT_REFUSED = 3;

    /** What the worker actor handles. */
    public sealed interface Command {}

    /** A global adapter version arrived over the data plane. */
    public record AdapterArrived(Message.GlobalAdapter adapter) implements Command {}

    private record FromCoordinator(ToWorker envelope) implements Command {}

    private record CoordinatorsChanged(Receptionist.Listing listing) implements Command {}

    private record CoordinatorGone(ActorRef<ToCoordinator> coordinator) implements Command {}

    private enum HeartbeatTick implements Command {
        INSTANCE
    }

    private enum RejoinCheck implements Command {
        INSTANCE
    }

    private record AdapterWaitExpired(long job) implements Command {}

    private record FitFinished(long job, JobRunner.FitDone done, Throwable error)
            implements Command {}

    private record EvaluateFinished(long job, EvaluateResult result, Throwable error)
            implements Command {}

    private static final String HEARTBEAT = "heartbeat";
    private static final String ADAPTER_WAIT = "adapter-wait";
    private static final String REJOIN = "rejoin";
    private static final int VERSIONS_KEPT = 2;

    /** An instruction taken on: waiting for its adapter, then running. */
    private static final class Job {
        final long id;
        final Message instruction;
        final long round;
        final long version;
        boolean running;

        Job(long id, Message instruction, long round, long version) {
            this.id = id;
            this.instruction = instruction;
            this.round = round;
            this.version = version;
        }

        boolean isFit() {
            return instruction instanceof Message.FitInstruction;
        }
    }

    private final WorkerSettings settings;
    private final LocalClient client;
    private final JobRunner jobs;
    private final String adapterEndpoint;
    private final IntConsumer exit;
    private final TimerScheduler<Command> timers;
    private final ActorRef<ToWorker> inbox;
    private final TreeMap<Long, Adapter> versions = new TreeMap<>();
    private ActorRef<ToCoordinator> coordinator;
    private boolean joined;
    private Job job;
    private long jobIds;

    /**
     * @param adapterEndpoint {@code host:port} where this worker receives global adapters
     * @param exit told the exit status when the worker stops for good
     */
    static Behavior<Command> create(
            WorkerSettings settings,
            LocalClient client,
            JobRunner jobs,
            String adapterEndpoint,
            IntConsumer exit) {
        return Behaviors.setup(
                ctx ->
                        Behaviors.withTimers(
                                timers ->
                                        new WorkerActor(
                                                ctx,
                                                timers,
                                                settings,
                                                client,
                                                jobs,
                                                adapterEndpoint,
                                                exit)));
    }

    private WorkerActor(
            ActorContext<Command> ctx,
            TimerScheduler<Command> timers,
            WorkerSettings settings,
            LocalClient client,
            JobRunner jobs,
            String adapterEndpoint,
            IntConsumer exit) {
        super(ctx);
        this.settings = settings;
        this.client = client;
        this.jobs = jobs;
        this.adapterEndpoint = adapterEndpoint;
        this.exit = exit;
        this.timers = timers;
        // The coordinator's envelopes arrive at a child inbox: a plain actor, reachable remotely.
        this.inbox = ctx.spawn(forwarder(ctx.getSelf()), "inbox");
        ActorRef<Receptionist.Listing> listings =
                ctx.messageAdapter(Receptionist.Listing.class, CoordinatorsChanged::new);
        ctx.getSystem()
                .receptionist()
                .tell(Receptionist.subscribe(ControlKeys.COORDINATOR, listings));
        LOG.info(
                "worker {}: looking for the coordinator (client {}, {} examples)",
                settings.id(),
                client.clientId(),
                client.exampleCount());
    }

    private static Behavior<ToWorker> forwarder(ActorRef<Command> worker) {
        return Behaviors.receive(ToWorker.class)
                .onMessage(
                        ToWorker.class,
                        m -> {
                            worker.tell(new FromCoordinator(m));
                            return Behaviors.same();
                        })
                .build();
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(CoordinatorsChanged.class, this::onCoordinatorsChanged)
                .onMessage(FromCoordinator.class, this::onFromCoordinator)
                .onMessage(AdapterArrived.class, this::onAdapterArrived)
                .onMessage(HeartbeatTick.class, t -> onHeartbeat())
                .onMessage(CoordinatorGone.class, this::onCoordinatorGone)
                .onMessage(RejoinCheck.class, t -> onRejoinCheck())
                .onMessage(AdapterWaitExpired.class, this::onAdapterWaitExpired)
                .onMessage(FitFinished.class, this::onFitFinished)
                .onMessage(EvaluateFinished.class, this::onEvaluateFinished)
                .build();
    }

    // ---- finding and joining the coordinator ----

    private Behavior<Command> onCoordinatorsChanged(CoordinatorsChanged m) {
        Set<ActorRef<ToCoordinator>> found =
                m.listing().getServiceInstances(ControlKeys.COORDINATOR);
        if (found.isEmpty() || found.contains(coordinator)) {
            return this; // nothing new; a lost coordinator shows as CoordinatorGone
        }
        if (coordinator != null) {
            LOG.info("worker {}: the coordinator moved; joining the new one", settings.id());
            forgetCoordinator();
        }
        join(found.iterator().next());
        return this;
    }

    private void join(ActorRef<ToCoordinator> ref) {
        coordinator = ref;
        timers.cancel(REJOIN);
        getContext().watchWith(ref, new CoordinatorGone(ref));
        LOG.info("worker {}: found the coordinator at {}, joining", settings.id(), ref.path());
        send(new Message.Join(Message.PROTOCOL_VERSION, settings.id(), settings.cluster().host()));
    }

    private Behavior<Command> onFromCoordinator(FromCoordinator m) {
        Message message = m.envelope().message();
        if (coordinator == null) {
            LOG.warn(
                    "worker {}: ignored {} from {}: no coordinator joined",
                    settings.id(),
                    message.getClass().getSimpleName(),
                    m.envelope().replyTo().path());
            return this;
        }
        if (message instanceof Message.JoinChallenge c) {
            String proof =
                    JoinProofs.proof(settings.cluster().joinToken(), c.nonce(), settings.id());
            send(new Message.JoinProof(settings.id(), proof));
        } else if (message instanceof Message.JoinAccepted a) {
            return onJoinAccepted(a);
        } else if (message instanceof Message.JoinRefused r) {
            LOG.error("worker {}: the coordinator refused the join: {}", settings.id(), r.reason());
            return stop(EXIT_REFUSED);
        } else if (message instanceof Message.FitInstruction f) {
            onInstruction(f, f.round(), f.adapterVersion());
        } else if (message instanceof Message.EvaluateInstruction e) {
            onInstruction(e, e.round(), e.adapterVersion());
        } else if (message instanceof Message.RunFinished f) {
            LOG.info("worker {}: the run finished ({}); leaving", settings.id(), f.reason());
            send(new Message.Leave(settings.id(), "run finished: " + f.reason()));
            return stop(EXIT_FINISHED);
        } else {
            LOG.warn(
                    "worker {}: ignored unexpected {} from the coordinator",
                    settings.id(),
                    message.getClass().getSimpleName());
        }
        return this;
    }

    private Behavior<Command> onJoinAccepted(Message.JoinAccepted a) {
        if (!a.workerId().equals(settings.id())) {
            LOG.warn("worker {}: ignored JoinAccepted for {}", settings.id(), a.workerId());
            return this;
        }
        joined = true;
        jobs.resultEndpoint(a.resultEndpoint());
        send(
                new Message.CapabilityAdvert(
                        settings.id(),
                        settings.device(),
                        Runtime.getRuntime().maxMemory(),
                        settings.maxRank(),
                        client.exampleCount(),
                        adapterEndpoint));
        timers.startTimerAtFixedRate(
                HEARTBEAT, HeartbeatTick.INSTANCE, settings.heartbeatInterval());
        LOG.info(
                "worker {}: joined (client {}, {} examples); adapters arrive at {}, updates go to"
                        + " {}",
                settings.id(),
                client.clientId(),
                client.exampleCount(),
                adapterEndpoint,
                a.resultEndpoint());
        return this;
    }

    private Behavior<Command> onHeartbeat() {
        if (joined) {
            send(new Message.Heartbeat(settings.id(), System.currentTimeMillis()));
        }
        return this;
    }

    private Behavior<Command> onCoordinatorGone(CoordinatorGone m) {
        if (!m.coordinator().equals(coordinator)) {
            return this;
        }
        LOG.warn("worker {}: lost the coordinator; looking for it again", settings.id());
        forgetCoordinator();
        timers.startSingleTimer(REJOIN, RejoinCheck.INSTANCE, settings.reconnectBackoff());
        return this;
    }

    private void forgetCoordinator() {
        getContext().unwatch(coordinator);
        coordinator = null;
        joined = false;
        timers.cancel(HEARTBEAT);
        if (job != null && !job.running) {
            timers.cancel(ADAPTER_WAIT);
            job = null; // its coordinator is gone; a new one instructs afresh
        }
    }

    /**
     * No coordinator found since the last was lost: while a coordinator node is still a cluster
     * member (a singleton moving), wait; when none is, stop so that the node starts a fresh actor
     * system and joins the seed nodes again.
     */
    private Behavior<Command> onRejoinCheck() {
        if (coordinator != null) {
            return this;
        }
        for (Member member : Cluster.get(getContext().getSystem()).state().getMembers()) {
            if (member.hasRole("coordinator")) {
                timers.startSingleTimer(REJOIN, RejoinCheck.INSTANCE, settings.reconnectBackoff());
                return this;
            }
        }
        LOG.warn("worker {}: no coordinator left in the cluster; joining again", settings.id());
        return Behaviors.stopped();
    }

    // ---- instructions ----

    private void onInstruction(Message instruction, long round, long version) {
        if (!joined) {
            LOG.warn("worker {}: ignored an instruction before joining", settings.id());
            return;
        }
        if (job != null) {
            send(
                    new Message.ErrorReport(
                            settings.id(),
                            "busy",
                            "round " + job.round + " is still under way",
                            List.of(Long.toString(round))));
            return;
        }
        job = new Job(++jobIds, instruction, round, version);
        if (versions.containsKey(version)) {
            start(job);
        } else {
            LOG.info("worker {}: round {}: waiting for adapter v{}", settings.id(), round, version);
            timers.startSingleTimer(
                    ADAPTER_WAIT, new AdapterWaitExpired(job.id), settings.adapterWait());
        }
    }

    private Behavior<Command> onAdapterArrived(AdapterArrived m) {
        Message.GlobalAdapter g = m.adapter();
        versions.put(g.version(), g.adapter().adapter());
        while (versions.size() > VERSIONS_KEPT) {
            versions.pollFirstEntry();
        }
        LOG.info(
                "worker {}: received adapter v{} (rank {})",
                settings.id(),
                g.version(),
                g.adapter().adapter().rank());
        if (job != null && !job.running && versions.containsKey(job.version)) {
            timers.cancel(ADAPTER_WAIT);
            start(job);
        }
        return this;
    }

    private Behavior<Command> onAdapterWaitExpired(AdapterWaitExpired m) {
        if (job == null || job.id != m.job() || job.running) {
            return this;
        }
        fail(
                job,
                "adapter v"
                        + job.version
                        + " did not arrive within "
                        + settings.adapterWait().toSeconds()
                        + " s");
        job = null;
        return this;
    }

    private void start(Job j) {
        j.running = true;
        Adapter start = versions.get(j.version);
        long id = j.id;
        if (j.instruction instanceof Message.FitInstruction f) {
            CompletionStage<JobRunner.FitDone> done = jobs.fit(f, start);
            getContext().pipeToSelf(done, (d, e) -> new FitFinished(id, d, e));
        } else {
            Message.EvaluateInstruction e = (Message.EvaluateInstruction) j.instruction;
            CompletionStage<EvaluateResult> done = jobs.evaluate(e, start);
            getContext().pipeToSelf(done, (r, err) -> new EvaluateFinished(id, r, err));
        }
    }

    private Behavior<Command> onFitFinished(FitFinished m) {
        if (job == null || job.id != m.job()) {
            return this;
        }
        Job j = job;
        job = null;
        if (m.error() != null) {
            fail(j, reason(m.error()));
            return this;
        }
        JobRunner.FitDone d = m.done();
        LOG.info(
                String.format(
                        Locale.ROOT,
                        "worker %s: round %d: trained %d steps, loss %.4f → %.4f, sent update (%d"
                                + " bytes, %.1f ms)",
                        settings.id(),
                        d.round(),
                        d.steps(),
                        d.lossFirst(),
                        d.loss(),
                        d.bytes(),
                        d.sendMillis()));
        return this;
    }

    private Behavior<Command> onEvaluateFinished(EvaluateFinished m) {
        if (job == null || job.id != m.job()) {
            return this;
        }
        Job j = job;
        job = null;
        if (m.error() != null) {
            fail(j, reason(m.error()));
            return this;
        }
        EvaluateResult r = m.result();
        double accuracy = r.metrics().getOrDefault("accuracy", Double.NaN);
        send(
                new Message.EvaluateResult(
                        j.round,
                        settings.id(),
                        j.version,
                        r.exampleCount(),
                        r.loss(),
                        Map.of("accuracy", accuracy)));
        LOG.info(
                String.format(
                        Locale.ROOT,
                        "worker %s: round %d: evaluated adapter v%d on %d examples: accuracy"
                                + " %.4f, loss %.4f",
                        settings.id(),
                        j.round,
                        j.version,
                        r.exampleCount(),
                        accuracy,
                        r.loss()));
        return this;
    }

    private void fail(Job j, String reason) {
        String code = j.isFit() ? "fit-failed" : "evaluate-failed";
        LOG.warn("worker {}: round {}: {}: {}", settings.id(), j.round, code, reason);
        send(new Message.ErrorReport(settings.id(), code, reason, List.of(Long.toString(j.round))));
    }

    private static String reason(Throwable error) {
        Throwable e =
                error instanceof CompletionException && error.getCause() != null
                        ? error.getCause()
                        : error;
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private void send(Message message) {
        if (coordinator == null) {
            LOG.debug("worker {}: no coordinator for {}", settings.id(), message);
            return;
        }
        coordinator.tell(new ToCoordinator(inbox, message));
    }

    private Behavior<Command> stop(int status) {
        timers.cancelAll();
        exit.accept(status);
        return Behaviors.stopped();
    }
}
