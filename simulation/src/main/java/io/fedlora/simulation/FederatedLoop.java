package io.fedlora.simulation;

import io.fedlora.aggregation.ClientInfo;
import io.fedlora.aggregation.EvaluateInstruction;
import io.fedlora.aggregation.EvaluateResult;
import io.fedlora.aggregation.EvaluateSummary;
import io.fedlora.aggregation.Failure;
import io.fedlora.aggregation.FitInstruction;
import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.aggregation.Strategy;
import io.fedlora.aggregation.UpdateValidator;
import io.fedlora.model.LoraConfig;
import io.fedlora.train.TrainConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * Runs any {@link Strategy} over virtual clients in one JVM, round by round, as a real coordinator
 * would: {@code configureFit} over the clients' {@link ClientInfo}s; each instructed client trains
 * from {@link GlobalModel#clientStart} over the shared base; every result goes through the {@link
 * UpdateValidator}; {@code aggregateFit} builds the next global model, whose {@link
 * io.fedlora.aggregation.BaseUpdate}, if any, is merged into the shared base; every few rounds a
 * federated evaluation runs ({@code configureEvaluate} / {@code aggregateEvaluate}), each client on
 * its own held-out data.
 *
 * <p>Failures are handled as on a cluster: a client whose training throws, or whose update the
 * validator rejects, becomes a {@link Failure} and the round goes on with the others; a round in
 * which nothing could be aggregated keeps the previous global model. Only configuration errors (an
 * instruction option the clients cannot honour, an instruction to an unknown client) stop the run.
 *
 * <p>Deterministic: the initial adapter and every client's local training are seeded from {@link
 * LoopSettings#seed()} and results are taken in instruction order, so equal settings give identical
 * runs whether clients train one after the other or {@link LoopSettings#parallelism() several at a
 * time} (the {@link FaultInjection} must then be thread-safe). A loop runs once.
 */
public final class FederatedLoop {

    /** Told of every finished round (round 0, the initial model's evaluation, first). */
    @FunctionalInterface
    public interface Listener {
        Listener NONE = record -> {};

        void onRound(RoundRecord record);
    }

    private final Strategy strategy;
    private final Map<String, VirtualClient> clients = new LinkedHashMap<>();
    private final List<ClientInfo> infos;
    private final ModelFactory models;
    private final SharedBase base;
    private final LoraConfig lora;
    private final LoopSettings settings;
    private final VirtualClientRunner runner;
    private final UpdateValidator validator;
    private final RoundClosing closing;
    private Listener listener = Listener.NONE;
    private FaultInjection faults = FaultInjection.NONE;
    private boolean ran;
    private ClientTasks tasks;

    /**
     * @param base the frozen base every client's model is built over; base updates are merged into
     *     it, so pass a {@link SharedBase#copyOf copy} to keep the original
     * @param lora the initial adapter's configuration (rank, alpha, targets, modules to save)
     */
    public FederatedLoop(
            Strategy strategy,
            List<VirtualClient> clients,
            ModelFactory models,
            SharedBase base,
            LoraConfig lora,
            LoopSettings settings) {
        this.strategy = Objects.requireNonNull(strategy, "strategy");
        if (clients.isEmpty()) {
            throw new IllegalArgumentException("a federated run needs at least one client");
        }
        for (VirtualClient c : clients) {
            if (this.clients.put(c.id(), c) != null) {
                throw new IllegalArgumentException("two clients are called " + c.id());
            }
        }
        this.infos = clients.stream().map(VirtualClient::info).toList();
        this.models = Objects.requireNonNull(models, "models");
        this.base = Objects.requireNonNull(base, "base");
        this.lora = Objects.requireNonNull(lora, "lora");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.runner = new VirtualClientRunner(models, base, lora, settings.evalBatchSize());
        this.validator = new UpdateValidator(settings.maxUpdateNorm());
        this.closing = new RoundClosing(strategy, validator);
    }

    public FederatedLoop listener(Listener l) {
        this.listener = Objects.requireNonNull(l, "listener");
        return this;
    }

    public FederatedLoop faults(FaultInjection f) {
        this.faults = Objects.requireNonNull(f, "faults");
        return this;
    }

    /** Runs every round and returns the history. */
    public RunResult run() {
        if (ran) {
            throw new IllegalStateException("a federated loop runs once");
        }
        ran = true;
        long t0 = System.nanoTime();
        GlobalModel global =
                strategy.initialize(
                        InitialAdapter.of(models, base.weights(), lora, settings.seed()));
        List<RoundRecord> records = new ArrayList<>();
        try (ClientTasks pool = new ClientTasks(settings.parallelism())) {
            tasks = pool;
            record(records, initialRound(global));
            for (long round = 1; round <= settings.rounds(); round++) {
                RoundResult r = round(round, global);
                global = r.global;
                record(records, r.record);
            }
        }
        return new RunResult(
                strategy.name(),
                settings.seed(),
                records,
                global,
                validator.counts(),
                (System.nanoTime() - t0) / 1e9);
    }

    private void record(List<RoundRecord> records, RoundRecord r) {
        records.add(r);
        listener.onRound(r);
    }

    private RoundRecord initialRound(GlobalModel global) {
        long t0 = System.nanoTime();
        List<Failure> failures = new ArrayList<>();
        Optional<Evaluation> evaluation = Optional.of(evaluate(0, global, failures));
        return new RoundRecord(
                0,
                global.version(),
                0,
                List.of(),
                failures,
                Map.of(),
                "initial model",
                evaluation,
                (System.nanoTime() - t0) / 1e9);
    }

    private record RoundResult(GlobalModel global, RoundRecord record) {}

    private RoundResult round(long round, GlobalModel global) {
        long t0 = System.nanoTime();
        List<FitInstruction> instructions = strategy.configureFit(round, global, infos);
        // Configuration errors stop the run before anybody trains.
        List<TrainConfig> configs = new ArrayList<>();
        for (FitInstruction i : instructions) {
            if (!clients.containsKey(i.clientId())) {
                throw new IllegalStateException(
                        "strategy "
                                + strategy.name()
                                + " instructed unknown client "
                                + i.clientId());
            }
            configs.add(configFor(i));
        }
        List<Callable<FitResult>> fits = new ArrayList<>();
        for (int k = 0; k < instructions.size(); k++) {
            FitInstruction i = instructions.get(k);
            TrainConfig config = configs.get(k);
            VirtualClient client = clients.get(i.clientId());
            fits.add(() -> faults.apply(runner.fit(client, i, config, global)));
        }
        List<Failure> failures = new ArrayList<>();
        List<FitResult> results = new ArrayList<>();
        List<ClientTasks.Outcome<FitResult>> outcomes = tasks.run(fits);
        for (int k = 0; k < outcomes.size(); k++) {
            ClientTasks.Outcome<FitResult> o = outcomes.get(k);
            if (o.error() == null) {
                results.add(o.value());
            } else {
                failures.add(
                        new Failure(
                                instructions.get(k).clientId(),
                                round,
                                "training failed: " + o.error().getMessage()));
            }
        }
        RoundClosing.Closed closed = closing.close(round, global, instructions, results, failures);
        closed.next().baseUpdate().filter(u -> closed.aggregated()).ifPresent(base::merge);
        GlobalModel next = closed.next();
        List<Failure> roundFailures = new ArrayList<>(closed.failures());
        Optional<Evaluation> evaluation =
                settings.evaluatesAfter(round)
                        ? Optional.of(evaluate(round, next, roundFailures))
                        : Optional.empty();
        RoundRecord record =
                new RoundRecord(
                        round,
                        next.version(),
                        instructions.size(),
                        closed.accepted().stream().map(FitResult::clientId).toList(),
                        roundFailures,
                        closed.metrics(),
                        closed.note(),
                        evaluation,
                        (System.nanoTime() - t0) / 1e9);
        return new RoundResult(next, record);
    }

    /**
     * A client's local training for {@code instruction}: the run's learning rate, batch and steps,
     * seeded from the run seed, the round and the client id.
     */
    private TrainConfig configFor(FitInstruction instruction) {
        return VirtualClientRunner.trainConfig(
                instruction,
                settings.learningRate(),
                settings.batchSize(),
                settings.localSteps(),
                Seeds.of(settings.seed(), instruction.round(), instruction.clientId()));
    }

    private Evaluation evaluate(long round, GlobalModel global, List<Failure> failures) {
        List<EvaluateInstruction> instructions = strategy.configureEvaluate(round, global, infos);
        List<Callable<EvaluateResult>> evaluations = new ArrayList<>();
        for (EvaluateInstruction i : instructions) {
            VirtualClient client = clients.get(i.clientId());
            if (client == null) {
                throw new IllegalStateException(
                        "strategy "
                                + strategy.name()
                                + " asked unknown client "
                                + i.clientId()
                                + " to evaluate");
            }
            evaluations.add(() -> runner.evaluate(client, i, global));
        }
        List<EvaluateResult> results = new ArrayList<>();
        List<Failure> evalFailures = new ArrayList<>();
        List<ClientTasks.Outcome<EvaluateResult>> outcomes = tasks.run(evaluations);
        for (int k = 0; k < outcomes.size(); k++) {
            ClientTasks.Outcome<EvaluateResult> o = outcomes.get(k);
            if (o.error() == null) {
                results.add(o.value());
            } else {
                evalFailures.add(
                        new Failure(
                                instructions.get(k).clientId(),
                                round,
                                "evaluation failed: " + o.error().getMessage()));
            }
        }
        failures.addAll(evalFailures);
        EvaluateSummary summary = strategy.aggregateEvaluate(round, results, evalFailures);
        Map<String, Double> accuracy = new LinkedHashMap<>();
        Map<String, Double> loss = new LinkedHashMap<>();
        for (EvaluateResult r : results) {
            accuracy.put(r.clientId(), r.metrics().getOrDefault("accuracy", Double.NaN));
            loss.put(r.clientId(), r.loss());
        }
        return new Evaluation(summary, accuracy, loss);
    }
}
