package io.fedlora.coordinator.admin;

import io.fedlora.aggregation.EvaluateSummary;
import io.fedlora.aggregation.Failure;
import io.fedlora.simulation.Evaluation;
import io.fedlora.simulation.RoundRecord;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link AdminPort} whose answers a test sets, and which counts the calls that reach it (so a
 * test can tell a refused request never got through).
 */
final class FakeAdminPort implements AdminPort {

    volatile RunStatus status = status("training", 3, Double.NaN);
    volatile List<WorkerStatus> workers = List.of();
    volatile List<RoundRecord> rounds = List.of();
    volatile Optional<Path> adapter = Optional.empty();
    volatile RuntimeException failure;
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger pauses = new AtomicInteger();
    final AtomicInteger resumes = new AtomicInteger();
    final AtomicInteger stops = new AtomicInteger();

    static RunStatus status(String state, long round, double lastAccuracy) {
        return new RunStatus(
                round,
                state,
                2,
                10,
                round - 1,
                "lora-fair",
                1,
                2,
                false,
                Map.of("non-finite", 1L, "wrong-shape", 2L),
                lastAccuracy,
                "/runs/demo");
    }

    static WorkerStatus worker(String id, long heartbeatMillis) {
        return new WorkerStatus(
                id,
                "host-" + id,
                "cpu",
                8L << 30,
                16,
                10_000,
                "training",
                heartbeatMillis,
                heartbeatMillis - 60_000,
                4);
    }

    static RoundRecord round(long round, double clientLoss, double accuracy) {
        EvaluateSummary summary =
                new EvaluateSummary(round, 0.5, Map.of("accuracy", accuracy), 2, 0);
        return new RoundRecord(
                round,
                round,
                2,
                List.of("w1"),
                List.of(new Failure("w2", round, "update rejected: non-finite")),
                Map.of("client_loss", clientLoss),
                "",
                Optional.of(
                        new Evaluation(
                                summary,
                                Map.of("w1", accuracy, "w2", accuracy),
                                Map.of("w1", 0.5, "w2", 0.5))),
                1.25);
    }

    @Override
    public CompletionStage<RunStatus> status() {
        return answer(status);
    }

    @Override
    public CompletionStage<List<WorkerStatus>> workers() {
        return answer(workers);
    }

    @Override
    public CompletionStage<List<RoundRecord>> rounds() {
        return answer(rounds);
    }

    @Override
    public CompletionStage<ControlReply> pause() {
        pauses.incrementAndGet();
        return answer(new ControlReply(true, "paused", "no new round starts until resume"));
    }

    @Override
    public CompletionStage<ControlReply> resume() {
        resumes.incrementAndGet();
        return answer(new ControlReply(true, "training", "resumed"));
    }

    @Override
    public CompletionStage<ControlReply> stopAfterRound() {
        stops.incrementAndGet();
        return answer(new ControlReply(true, "training", "the run ends after round 3"));
    }

    @Override
    public Optional<Path> currentAdapter() {
        calls.incrementAndGet();
        return adapter;
    }

    /** Answers asynchronously, as the coordinator's actor does, or fails when told to. */
    private <T> CompletionStage<T> answer(T value) {
        calls.incrementAndGet();
        RuntimeException f = failure;
        return f != null
                ? CompletableFuture.failedFuture(f)
                : CompletableFuture.supplyAsync(() -> value);
    }
}
