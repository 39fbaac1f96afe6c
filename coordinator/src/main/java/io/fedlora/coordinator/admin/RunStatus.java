package io.fedlora.coordinator.admin;

import java.util.Map;
import java.util.Objects;

/**
 * A snapshot of the run.
 *
 * @param round the round in progress, or the last completed one when none is
 * @param state one of {@code waiting-for-workers}, {@code training}, {@code evaluating}, {@code
 *     paused}, {@code finished} (see {@code RunState})
 * @param workers admitted workers right now
 * @param rounds rounds the run is configured for
 * @param completedRounds rounds checkpointed so far
 * @param strategy the strategy's name
 * @param resultsIn updates received in the current round
 * @param resultsExpected updates instructed in the current round
 * @param stopAfterRound whether a stop after the current round was requested
 * @param rejections rejected updates so far, by reason
 * @param lastAccuracy the latest federated evaluation's mean accuracy, NaN before the first
 * @param runDir the run directory
 */
public record RunStatus(
        long round,
        String state,
        int workers,
        long rounds,
        long completedRounds,
        String strategy,
        int resultsIn,
        int resultsExpected,
        boolean stopAfterRound,
        Map<String, Long> rejections,
        double lastAccuracy,
        String runDir) {
    public RunStatus {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(strategy, "strategy");
        rejections = Map.copyOf(rejections);
        Objects.requireNonNull(runDir, "runDir");
    }
}
