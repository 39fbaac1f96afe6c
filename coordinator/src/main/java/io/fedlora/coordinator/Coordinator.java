package io.fedlora.coordinator;

import io.fedlora.aggregation.ClientInfo;
import io.fedlora.aggregation.EvaluateInstruction;
import io.fedlora.aggregation.EvaluateResult;
import io.fedlora.aggregation.Failure;
import io.fedlora.aggregation.FitInstruction;
import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.aggregation.Strategy;
import io.fedlora.coordinator.admin.ControlReply;
import io.fedlora.coordinator.admin.RunStatus;
import io.fedlora.coordinator.admin.WorkerStatus;
import io.fedlora.coordinator.run.Checkpoint;
import io.fedlora.coordinator.run.RunDirectory;
import io.fedlora.simulation.Evaluation;
import io.fedlora.simulation.RoundClosing;
import io.fedlora.simulation.RoundRecord;
import io.fedlora.simulation.Seeds;
import io.fedlora.transport.control.ControlKeys;
import io.fedlora.transport.control.ToCoordinator;
import io.fedlora.transport.control.ToWorker;
import io.fedlora.transport.message.AdapterPayload;
import io.fedlora.transport.message.Message;
import io.fedlora.transport.wire.PooledMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * The coordinator: admits workers (HMAC join challenge), runs the round state machine and answers
 * the admin API. One instance per cluster (a cluster singleton).
 *
 * <p>A round: wait for {@code min-available} workers; {@code configureFit} picks and instructs
 * them; the global adapter goes to each over the data plane (once per version and worker session),
 * the instruction over Pekko; updates are collected until {@code min-fit} are in, every instructed
 * worker has answered or failed, or the round timeout passes; then, off the actor's thread, the
 * updates are validated and aggregated ({@link RoundClosing}, the same code as simulated runs) and
 * the round is checkpointed. Evaluation rounds follow the same pattern. A worker that leaves,
 * crashes, is refused by the failure detector or goes silent is removed and counted as a failure of
 * the round it was in.
 *
 * <p>Everything a round needs to resume is on disk before the next round starts: a coordinator
 * started on the same run directory resumes after the last checkpointed round.
 */
public final class Coordinator extends AbstractBehavior<Coordinator.Command> {

    private static final org.slf4j.Logger log =
            org.slf4j.LoggerFactory.getLogger(Coordinator.class);

    /**
     * Everything the coordinator actor handles. All of it is local: workers' messages arrive as
     * serialized {@link ToCoordinator} envelopes and are wrapped by a message adapter here.
     */
    public sealed interface Command extends NoSerializationVerificationNeeded {}

    /** A protocol message from a worker. */
    record FromWorker(ToCoordinator envelope) implements Command {}

    /** A decoded update from the data plane; its arrays are pooled until it is closed. */
    record UpdateArrived(PooledMessage update) implements Command {}

    record AdapterSendFailed(String workerId, long version, String reason) implements Command {}

    record WorkerGone(String workerId, ActorRef<ToWorker> inbox, String reason)
            implements Command {}

    record RoundDeadline(long round) implements Command {}

    record EvaluationDeadline(long round) implements Command {}

    record RoundClosed(long round, RoundRecord record, GlobalModel next, Throwable error)
            implements Command {}

    enum Tick implements Command {
        INSTANCE
    }

    /** Admin: the run's status. */
    public record GetStatus(ActorRef<RunStatus> replyTo) implements Command {}

    /** Admin: the admitted workers. */
    public record GetWorkers(ActorRef<List<WorkerStatus>> replyTo) implements Command {}

    /** Admin: the completed rounds. */
    public record GetRounds(ActorRef<List<RoundRecord>> replyTo) implements Command {}

    /** Admin: pause, resume or stop after the current round. */
    public record Control(ControlKind kind, ActorRef<ControlReply> replyTo) implements Command {}

    public enum ControlKind {
        PAUSE,
        RESUME,
        STOP
    }

    /** What the run ended with. */
    public record Outcome(long completedRounds, String reason) {}

    /** Everything the coordinator is built from; {@code finished} completes when the run ends. */
    public record Setup(
            CoordinatorSettings settings,
            String joinToken,
            Strategy strategy,
            RunDirectory runDir,
            io.fedlora.lora.Adapter initialAdapter,
            DataPlaneFactory dataPlane,
            Executor blocking,
            CompletableFuture<Outcome> finished) {}

    /** Opens the data plane with the actor's update callback (on the coordinator's node). */
    @FunctionalInterface
    public interface DataPlaneFactory {
        DataPlane open(java.util.function.Consumer<PooledMessage> onUpdate);
    }

    private static final Duration TICK = Duration.ofSeconds(1);

    private final Setup setup;
    private final CoordinatorSettings settings;
    private final Strategy strategy;
    private final RoundClosing closing;
    private final DataPlane plane;
    private final String resultEndpoint;
    private final ActorRef<ToCoordinator> inbox;
    private final TimerScheduler<Command> timers;

    private final Map<String, AdmittedWorker> workers = new LinkedHashMap<>();
    private final JoinDesk joinDesk;
    private final List<RoundRecord> records = new ArrayList<>();

    private RunState state = RunState.WAITING_FOR_WORKERS;
    private GlobalModel global;
    private long completed;
    private boolean paused;
    private boolean stopRequested;
    private double lastAccuracy = Double.NaN;

    private FitRound fit = FitRound.NONE;

    /** Whether the last completed round still needs its federated evaluation. */
    private boolean evaluationPending;

    private EvaluationRound evaluation = EvaluationRound.NONE;

    public static Behavior<Command> create(Setup setup) {
        return Behaviors.setup(
                ctx -> Behaviors.withTimers(timers -> new Coordinator(ctx, timers, setup)));
    }

    private Coordinator(ActorContext<Command> ctx, TimerScheduler<Command> timers, Setup setup) {
        super(ctx);
        this.setup = setup;
        this.settings = setup.settings();
        this.strategy = setup.strategy();
        this.timers = timers;
        this.joinDesk = new JoinDesk(setup.joinToken());
        this.closing =
                new RoundClosing(
                        strategy,
                        new io.fedlora.aggregation.UpdateValidator(settings.maxUpdateNorm()));
        restoreOrStart();
        ActorRef<Command> self = ctx.getSelf();
        this.plane = setup.dataPlane().open(m -> onDataMessage(self, m));
        this.resultEndpoint = plane.resultEndpoint();
        this.inbox = ctx.messageAdapter(ToCoordinator.class, FromWorker::new);
        ctx.getSystem().receptionist().tell(Receptionist.register(ControlKeys.COORDINATOR, inbox));
        timers.startTimerWithFixedDelay(Tick.INSTANCE, TICK);
        ctx.getLog()
                .info(
                        "coordinator up: strategy {}, rounds {}..{}, updates at {}, run dir {}",
                        strategy.name(),
                        completed + 1,
                        settings.rounds(),
                        resultEndpoint,
                        settings.runDir());
    }

    private static void onDataMessage(ActorRef<Command> self, PooledMessage m) {
        if (m.message() instanceof Message.FitResult) {
            self.tell(new UpdateArrived(m));
        } else {
            // Nothing else belongs on the update stream.
            log.warn("dropped a {} on the update stream", m.message().getClass().getSimpleName());
            m.close();
        }
    }

    /** Resumes after the last checkpoint, or checkpoints the initial model as round 0. */
    private void restoreOrStart() {
        RunDirectory dir = setup.runDir();
        try {
            Optional<Map<String, String>> manifest = dir.manifest();
            if (manifest.isPresent() && !manifest.get().equals(settings.manifest())) {
                throw new IllegalStateException(
                        "run directory "
                                + dir.root()
                                + " holds a run of "
                                + manifest.get()
                                + ", not "
                                + settings.manifest()
                                + ": use another run-dir");
            }
            GlobalModel initial = strategy.initialize(setup.initialAdapter());
            Optional<Checkpoint> latest = dir.latest();
            if (latest.isPresent()) {
                Checkpoint c = latest.get();
                strategy.restore(c.serverState());
                global = c.global();
                completed = c.round();
                records.addAll(dir.records());
                evaluationPending =
                        c.record().evaluation().isEmpty() && settings.evaluatesAfter(completed);
                lastAccuracy = lastAccuracy(records);
                getContext()
                        .getLog()
                        .info(
                                "resuming {} after round {} (global adapter v{})",
                                dir.root(),
                                completed,
                                global.version());
            } else {
                dir.writeManifest(settings.manifest());
                global = initial;
                completed = 0;
                RoundRecord zero =
                        new RoundRecord(
                                0,
                                0,
                                0,
                                List.of(),
                                List.of(),
                                Map.of(),
                                "initial model",
                                Optional.empty(),
                                0);
                dir.commit(new Checkpoint(0, global, strategy.state(), zero, List.of()));
                records.add(zero);
                evaluationPending = settings.evaluatesAfter(0);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open run directory " + dir.root(), e);
        }
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(FromWorker.class, m -> onWorkerMessage(m.envelope()))
                .onMessage(UpdateArrived.class, this::onUpdate)
                .onMessage(AdapterSendFailed.class, this::onAdapterSendFailed)
                .onMessage(WorkerGone.class, this::onWorkerGone)
                .onMessage(RoundDeadline.class, this::onRoundDeadline)
                .onMessage(EvaluationDeadline.class, this::onEvaluationDeadline)
                .onMessage(RoundClosed.class, this::onRoundClosed)
                .onMessageEquals(Tick.INSTANCE, this::onTick)
                .onMessage(GetStatus.class, this::onGetStatus)
                .onMessage(GetWorkers.class, this::onGetWorkers)
                .onMessage(GetRounds.class, this::onGetRounds)
                .onMessage(Control.class, this::onControl)
                .onSignal(PostStop.class, s -> onStop())
                .build();
    }

    // ---------------------------------------------------------------- joining and membership

    private Behavior<Command> onWorkerMessage(ToCoordinator envelope) {
        Message m = envelope.message();
        ActorRef<ToWorker> from = envelope.replyTo();
        if (m instanceof Message.Join join) {
            onJoin(join, from);
        } else if (m instanceof Message.JoinProof proof) {
            onJoinProof(proof, from);
        } else {
            AdmittedWorker w = admittedSender(m, from);
            if (w == null) {
                return this;
            }
            if (m instanceof Message.CapabilityAdvert advert) {
                onCapability(w, advert);
            } else if (m instanceof Message.Heartbeat) {
                w.lastHeartbeatMillis = System.currentTimeMillis();
            } else if (m instanceof Message.EvaluateResult result) {
                onEvaluateResult(w, result);
            } else if (m instanceof Message.ErrorReport report) {
                onErrorReport(w, report);
            } else if (m instanceof Message.Leave leave) {
                dropWorker(w.id, "left: " + leave.reason());
            } else {
                getContext()
                        .getLog()
                        .warn("ignored {} from worker {}", m.getClass().getSimpleName(), w.id);
            }
        }
        return this;
    }

    /** The admitted worker that sent {@code m}, or null (logged) when the sender is not one. */
    private AdmittedWorker admittedSender(Message m, ActorRef<ToWorker> from) {
        String id = workerIdOf(m);
        AdmittedWorker w = id == null ? null : workers.get(id);
        if (w == null || !w.inbox.equals(from)) {
            getContext()
                    .getLog()
                    .warn(
                            "ignored {} from {}: not an admitted worker",
                            m.getClass().getSimpleName(),
                            from.path());
            return null;
        }
        return w;
    }

    private static String workerIdOf(Message m) {
        if (m instanceof Message.CapabilityAdvert a) {
            return a.workerId();
        } else if (m instanceof Message.Heartbeat h) {
            return h.workerId();
        } else if (m instanceof Message.EvaluateResult r) {
            return r.workerId();
        } else if (m instanceof Message.ErrorReport e) {
            return e.workerId();
        } else if (m instanceof Message.Leave l) {
            return l.workerId();
        }
        return null;
    }

    private void onJoin(Message.Join join, ActorRef<ToWorker> from) {
        if (state == RunState.FINISHED) {
            from.tell(new ToWorker(inbox, new Message.RunFinished("the run is over")));
            return;
        }
        from.tell(new ToWorker(inbox, joinDesk.challenge(join, from)));
    }

    private void onJoinProof(Message.JoinProof proof, ActorRef<ToWorker> from) {
        JoinDesk.Verdict verdict = joinDesk.verify(proof, from);
        if (verdict instanceof JoinDesk.Refuse refusal) {
            from.tell(new ToWorker(inbox, refusal.reply()));
            return;
        }
        JoinDesk.Admit admit = (JoinDesk.Admit) verdict;
        AdmittedWorker previous = workers.get(admit.workerId());
        if (previous != null) {
            dropWorker(previous.id, "replaced by a new session of the same worker");
        }
        AdmittedWorker w =
                new AdmittedWorker(
                        admit.workerId(), admit.host(), from, System.currentTimeMillis());
        workers.put(w.id, w);
        getContext().watchWith(from, new WorkerGone(w.id, from, "its node left the cluster"));
        from.tell(new ToWorker(inbox, new Message.JoinAccepted(w.id, resultEndpoint)));
        getContext().getLog().info("worker {} ({}) admitted", w.id, w.host);
    }

    private void onCapability(AdmittedWorker w, Message.CapabilityAdvert advert) {
        boolean first = w.capability == null;
        w.capability = advert;
        if (first) {
            getContext()
                    .getLog()
                    .info(
                            "worker {} ready: {}, max rank {}, {} examples ({} of {} needed)",
                            w.id,
                            advert.device(),
                            advert.maxRank(),
                            advert.exampleCount(),
                            readyWorkers().size(),
                            settings.minAvailable());
        }
        advance();
    }

    private Behavior<Command> onWorkerGone(WorkerGone gone) {
        AdmittedWorker w = workers.get(gone.workerId());
        if (w != null && w.inbox.equals(gone.inbox())) {
            dropWorker(w.id, gone.reason());
        }
        return this;
    }

    /** Removes a worker; whatever it owed the current round or evaluation becomes a failure. */
    private void dropWorker(String id, String reason) {
        AdmittedWorker w = workers.remove(id);
        if (w == null) {
            return;
        }
        getContext().unwatch(w.inbox);
        if (w.capability != null) {
            plane.forget(w.capability.adapterEndpoint());
        }
        if (state == RunState.FINISHED) {
            getContext().getLog().info("worker {} gone: {}", id, reason);
        } else {
            getContext().getLog().warn("worker {} lost: {}", id, reason);
        }
        failInCurrentStep(id, "worker lost: " + reason);
    }

    private Behavior<Command> onTick() {
        long now = System.currentTimeMillis();
        long limit = settings.workerTimeout().toMillis();
        for (AdmittedWorker w : List.copyOf(workers.values())) {
            if (now - w.lastHeartbeatMillis > limit) {
                dropWorker(w.id, "no heartbeat for " + (now - w.lastHeartbeatMillis) + " ms");
            }
        }
        advance();
        return this;
    }

    private List<AdmittedWorker> readyWorkers() {
        return workers.values().stream().filter(AdmittedWorker::ready).toList();
    }

    private List<ClientInfo> available() {
        return readyWorkers().stream().map(AdmittedWorker::clientInfo).toList();
    }

    // ---------------------------------------------------------------- the state machine

    /**
     * Starts whatever comes next when the coordinator is idle: an evaluation, a round, or the end.
     */
    private void advance() {
        if (state != RunState.WAITING_FOR_WORKERS && state != RunState.PAUSED) {
            return;
        }
        if (stopRequested || (completed >= settings.rounds() && !evaluationPending)) {
            finish(
                    stopRequested
                            ? "stopped by an operator after round " + completed
                            : "all " + settings.rounds() + " rounds done");
            return;
        }
        if (paused) {
            state = RunState.PAUSED;
            return;
        }
        if (readyWorkers().size() < settings.minAvailable()) {
            state = RunState.WAITING_FOR_WORKERS;
            return;
        }
        if (evaluationPending) {
            startEvaluation();
        } else {
            startRound(completed + 1);
        }
    }

    private void startRound(long r) {
        List<FitInstruction> picked;
        try {
            picked = strategy.configureFit(r, global, available());
        } catch (IllegalArgumentException e) {
            fail("strategy " + strategy.name() + " cannot configure round " + r + ": " + e);
            return;
        }
        if (picked.isEmpty()) {
            state = RunState.WAITING_FOR_WORKERS;
            return;
        }
        fit = new FitRound(r, picked);
        state = RunState.TRAINING;
        for (FitInstruction i : fit.instructions) {
            AdmittedWorker w = workers.get(i.clientId());
            if (w == null) {
                fail("strategy " + strategy.name() + " instructed unknown worker " + i.clientId());
                return;
            }
            sendAdapter(w);
            w.activity = "training";
            w.inbox.tell(
                    new ToWorker(
                            inbox,
                            new Message.FitInstruction(
                                    r,
                                    global.version(),
                                    i.rank(),
                                    settings.localSteps(),
                                    settings.learningRate(),
                                    Seeds.of(settings.seed(), r, i.clientId()),
                                    i.options())));
        }
        timers.startSingleTimer(new RoundDeadline(r), settings.roundTimeout());
        getContext()
                .getLog()
                .info(
                        "round {}/{}: {} workers instructed ({})",
                        r,
                        settings.rounds(),
                        fit.instructions.size(),
                        String.join(
                                ", ",
                                fit.instructions.stream().map(FitInstruction::clientId).toList()));
    }

    /** Sends the global adapter to {@code w} unless this session already has this version. */
    private void sendAdapter(AdmittedWorker w) {
        long version = global.version();
        if (w.sentVersion == version) {
            return;
        }
        w.sentVersion = version;
        ActorRef<Command> self = getContext().getSelf();
        String id = w.id;
        plane.sendAdapter(
                        w.capability.adapterEndpoint(),
                        new Message.GlobalAdapter(
                                version,
                                new AdapterPayload(global.adapter(), settings.adapterCodec())))
                .whenComplete(
                        (ok, error) -> {
                            if (error != null) {
                                self.tell(
                                        new AdapterSendFailed(
                                                id, version, String.valueOf(error.getMessage())));
                            }
                        });
    }

    private Behavior<Command> onAdapterSendFailed(AdapterSendFailed f) {
        AdmittedWorker w = workers.get(f.workerId());
        if (w != null && w.sentVersion == f.version()) {
            dropWorker(w.id, "adapter v" + f.version() + " could not be sent: " + f.reason());
        }
        return this;
    }

    private Behavior<Command> onUpdate(UpdateArrived u) {
        Message.FitResult r = (Message.FitResult) u.update().message();
        if (state != RunState.TRAINING || r.round() != fit.round) {
            u.update().close();
            getContext()
                    .getLog()
                    .warn(
                            "late update of round {} from {} dropped (round {} is {})",
                            r.round(),
                            r.workerId(),
                            fit.round,
                            state.label());
            return this;
        }
        AdmittedWorker w = workers.get(r.workerId());
        if (w != null && fit.answers.wasAsked(w.id)) {
            w.activity = "idle";
        }
        if (r.baseVersion() != global.version()) {
            u.update().close();
            fit.answers.fail(
                    r.workerId(),
                    "update trained from adapter v"
                            + r.baseVersion()
                            + ", not v"
                            + global.version());
        } else {
            fit.add(r, u.update());
        }
        closeRoundIfDone();
        return this;
    }

    private void onErrorReport(AdmittedWorker w, Message.ErrorReport report) {
        getContext()
                .getLog()
                .warn("worker {} reports {}: {}", w.id, report.code(), report.reason());
        w.activity = "idle";
        failInCurrentStep(w.id, report.code() + ": " + report.reason());
    }

    /** A worker's failure counts against the fit round or the evaluation it was asked into. */
    private void failInCurrentStep(String id, String reason) {
        if (state == RunState.TRAINING && fit.answers.fail(id, reason)) {
            closeRoundIfDone();
        } else if (state == RunState.EVALUATING && evaluation.answers.fail(id, reason)) {
            closeEvaluationIfDone();
        }
    }

    private void closeRoundIfDone() {
        if (fit.delivered() >= settings.minFit() || fit.answers.complete()) {
            closeRound();
        }
    }

    private Behavior<Command> onRoundDeadline(RoundDeadline d) {
        if (state == RunState.TRAINING && d.round() == fit.round) {
            fit.answers.failUnanswered("no update within " + settings.roundTimeout());
            closeRound();
        }
        return this;
    }

    /** Aggregates and checkpoints off the actor's thread; {@link RoundClosed} comes back. */
    private void closeRound() {
        timers.cancel(new RoundDeadline(fit.round));
        state = RunState.AGGREGATING;
        workers.values().forEach(w -> w.activity = "idle");
        long r = fit.round;
        GlobalModel from = global;
        List<FitInstruction> instructed = fit.instructions;
        List<FitResult> results = fit.results();
        List<Failure> failed = fit.answers.failures();
        double seconds = fit.seconds();
        CompletableFuture<RoundClosed> work =
                CompletableFuture.supplyAsync(
                        () -> aggregateAndCommit(r, from, instructed, results, failed, seconds),
                        setup.blocking());
        getContext()
                .pipeToSelf(
                        work,
                        (closed, error) ->
                                error == null ? closed : new RoundClosed(r, null, null, error));
    }

    private RoundClosed aggregateAndCommit(
            long r,
            GlobalModel from,
            List<FitInstruction> instructed,
            List<FitResult> results,
            List<Failure> failed,
            double seconds) {
        RoundClosing.Closed closed = closing.close(r, from, instructed, results, failed);
        if (closed.aggregated() && closed.next().baseUpdate().isPresent()) {
            throw new IllegalStateException(
                    "strategy "
                            + strategy.name()
                            + " changes the base model, which the cluster does not ship to"
                            + " workers yet; run it with fedlora simulate");
        }
        RoundRecord record =
                new RoundRecord(
                        r,
                        closed.next().version(),
                        instructed.size(),
                        closed.accepted().stream().map(FitResult::clientId).toList(),
                        closed.failures(),
                        closed.metrics(),
                        closed.note(),
                        Optional.empty(),
                        seconds);
        List<FitResult> kept = settings.keepUpdates() ? closed.accepted() : List.of();
        try {
            setup.runDir().commit(new Checkpoint(r, closed.next(), strategy.state(), record, kept));
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoint of round " + r + " failed", e);
        }
        return new RoundClosed(r, record, closed.next(), null);
    }

    private Behavior<Command> onRoundClosed(RoundClosed c) {
        fit.release();
        if (c.error() != null) {
            fail("round " + c.round() + " could not be closed: " + rootMessage(c.error()));
            return this;
        }
        global = c.next();
        completed = c.round();
        records.add(c.record());
        for (String id : c.record().accepted()) {
            AdmittedWorker w = workers.get(id);
            if (w != null) {
                w.accepted++;
            }
        }
        RoundRecord rec = c.record();
        getContext()
                .getLog()
                .info(
                        "round {}/{} checkpointed: {} of {} updates aggregated{}, client loss {},"
                                + " aggregation error {}, {} s",
                        rec.round(),
                        settings.rounds(),
                        rec.accepted().size(),
                        rec.instructed(),
                        rec.failures().isEmpty() ? "" : ", " + rec.failures().size() + " failed",
                        format(rec.metrics().getOrDefault("client_loss", Double.NaN)),
                        format(rec.metrics().getOrDefault("aggregation_error", Double.NaN)),
                        format(rec.seconds()));
        for (Failure f : rec.failures()) {
            getContext()
                    .getLog()
                    .warn("round {}: {} failed: {}", rec.round(), f.clientId(), f.reason());
        }
        evaluationPending = settings.evaluatesAfter(completed);
        state = RunState.WAITING_FOR_WORKERS;
        advance();
        return this;
    }

    // ---------------------------------------------------------------- evaluation

    private void startEvaluation() {
        evaluation =
                new EvaluationRound(
                        completed, strategy.configureEvaluate(completed, global, available()));
        evaluationPending = false;
        if (evaluation.instructions.isEmpty()) {
            state = RunState.WAITING_FOR_WORKERS;
            advance();
            return;
        }
        state = RunState.EVALUATING;
        for (EvaluateInstruction i : evaluation.instructions) {
            AdmittedWorker w = workers.get(i.clientId());
            if (w == null) {
                fail("strategy " + strategy.name() + " asked unknown worker " + i.clientId());
                return;
            }
            sendAdapter(w);
            w.activity = "evaluating";
            w.inbox.tell(
                    new ToWorker(
                            inbox,
                            new Message.EvaluateInstruction(
                                    completed, global.version(), i.options())));
        }
        timers.startSingleTimer(new EvaluationDeadline(completed), settings.evalTimeout());
    }

    private void onEvaluateResult(AdmittedWorker w, Message.EvaluateResult r) {
        if (state != RunState.EVALUATING
                || r.round() != completed
                || r.adapterVersion() != global.version()
                || !evaluation.add(
                        new EvaluateResult(
                                w.id, r.round(), r.exampleCount(), r.loss(), r.metrics()))) {
            getContext()
                    .getLog()
                    .warn("unexpected evaluation of round {} from {}", r.round(), w.id);
            return;
        }
        w.activity = "idle";
        closeEvaluationIfDone();
    }

    private void closeEvaluationIfDone() {
        if (evaluation.answers.complete()) {
            closeEvaluation();
        }
    }

    private Behavior<Command> onEvaluationDeadline(EvaluationDeadline d) {
        if (state == RunState.EVALUATING && d.round() == completed) {
            evaluation.answers.failUnanswered("no evaluation within " + settings.evalTimeout());
            closeEvaluation();
        }
        return this;
    }

    private void closeEvaluation() {
        timers.cancel(new EvaluationDeadline(completed));
        workers.values().forEach(w -> w.activity = "idle");
        Evaluation result = evaluation.evaluation(strategy);
        List<Failure> evalFailures = evaluation.answers.failures();
        RoundRecord last = records.get(records.size() - 1);
        List<Failure> allFailures = new ArrayList<>(last.failures());
        allFailures.addAll(evalFailures);
        RoundRecord updated =
                new RoundRecord(
                        last.round(),
                        last.version(),
                        last.instructed(),
                        last.accepted(),
                        allFailures,
                        last.metrics(),
                        last.note(),
                        Optional.of(result),
                        last.seconds());
        try {
            setup.runDir().updateRecord(updated);
        } catch (IOException e) {
            fail("the evaluation of round " + completed + " could not be recorded: " + e);
            return;
        }
        records.set(records.size() - 1, updated);
        lastAccuracy = result.meanAccuracy();
        getContext()
                .getLog()
                .info(
                        "round {}/{} evaluated: accuracy {}%, loss {} ({} workers{})",
                        completed,
                        settings.rounds(),
                        format(100 * result.meanAccuracy()),
                        format(result.meanLoss()),
                        evaluation.answered(),
                        evalFailures.isEmpty() ? "" : ", " + evalFailures.size() + " failed");
        state = RunState.WAITING_FOR_WORKERS;
        advance();
    }

    // ---------------------------------------------------------------- the end

    private void finish(String reason) {
        dismissWorkers(reason);
        getContext().getLog().info("run finished: {}", reason);
        setup.finished().complete(new Outcome(completed, reason));
    }

    /** A run that cannot go on: logged, workers dismissed, the outcome fails. */
    private void fail(String reason) {
        dismissWorkers("the run failed: " + reason);
        getContext().getLog().error("run failed: {}", reason);
        setup.finished().completeExceptionally(new IllegalStateException(reason));
    }

    /** The run is over: no more ticks, and every admitted worker is told why. */
    private void dismissWorkers(String reason) {
        state = RunState.FINISHED;
        timers.cancel(Tick.INSTANCE);
        for (AdmittedWorker w : workers.values()) {
            w.inbox.tell(new ToWorker(inbox, new Message.RunFinished(reason)));
        }
    }

    private Behavior<Command> onStop() {
        fit.release();
        plane.close();
        if (!setup.finished().isDone()) {
            setup.finished()
                    .completeExceptionally(
                            new IllegalStateException(
                                    "the coordinator stopped before the run ended"));
        }
        return this;
    }

    // ---------------------------------------------------------------- admin

    private Behavior<Command> onGetStatus(GetStatus q) {
        Map<String, Long> rejections = new LinkedHashMap<>();
        closing.rejections()
                .forEach((k, v) -> rejections.put(k.name().toLowerCase(Locale.ROOT), v));
        plane.drops()
                .forEach(
                        (k, v) -> {
                            if (v > 0) {
                                rejections.put("transport_" + k.name().toLowerCase(Locale.ROOT), v);
                            }
                        });
        if (joinDesk.refused() > 0) {
            rejections.put("join_refused", joinDesk.refused());
        }
        boolean inRound = state == RunState.TRAINING || state == RunState.AGGREGATING;
        q.replyTo()
                .tell(
                        new RunStatus(
                                inRound ? fit.round : completed,
                                state.label(),
                                readyWorkers().size(),
                                settings.rounds(),
                                completed,
                                strategy.name(),
                                inRound ? (int) fit.delivered() : 0,
                                inRound ? fit.instructions.size() : 0,
                                stopRequested,
                                rejections,
                                lastAccuracy,
                                settings.runDir().toString()));
        return this;
    }

    private Behavior<Command> onGetWorkers(GetWorkers q) {
        q.replyTo().tell(workers.values().stream().map(AdmittedWorker::status).toList());
        return this;
    }

    private Behavior<Command> onGetRounds(GetRounds q) {
        q.replyTo().tell(List.copyOf(records));
        return this;
    }

    private Behavior<Command> onControl(Control c) {
        ControlReply reply =
                switch (c.kind()) {
                    case PAUSE -> {
                        if (paused || state == RunState.FINISHED) {
                            yield new ControlReply(false, state.label(), "nothing to pause");
                        }
                        paused = true;
                        if (state == RunState.WAITING_FOR_WORKERS) {
                            state = RunState.PAUSED;
                        }
                        getContext().getLog().info("paused by an operator");
                        yield new ControlReply(
                                true, state.label(), "no new round starts until resumed");
                    }
                    case RESUME -> {
                        if (!paused) {
                            yield new ControlReply(false, state.label(), "not paused");
                        }
                        paused = false;
                        getContext().getLog().info("resumed by an operator");
                        if (state == RunState.PAUSED) {
                            state = RunState.WAITING_FOR_WORKERS;
                        }
                        advance();
                        yield new ControlReply(true, state.label(), "resumed");
                    }
                    case STOP -> {
                        if (state == RunState.FINISHED || stopRequested) {
                            yield new ControlReply(false, state.label(), "already stopping");
                        }
                        stopRequested = true;
                        getContext().getLog().info("stop after the current round requested");
                        advance();
                        yield new ControlReply(
                                true, state.label(), "the run ends after the current round");
                    }
                };
        c.replyTo().tell(reply);
        return this;
    }

    private static double lastAccuracy(List<RoundRecord> records) {
        for (int k = records.size() - 1; k >= 0; k--) {
            Optional<Evaluation> e = records.get(k).evaluation();
            if (e.isPresent()) {
                return e.get().meanAccuracy();
            }
        }
        return Double.NaN;
    }

    private static String format(double v) {
        return String.format(Locale.ROOT, "%.4g", v);
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.toString() : c.getMessage();
    }
}
