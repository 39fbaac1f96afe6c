package io.fedlora.coordinator.admin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The run's metrics for Prometheus, built from one status and one worker snapshot. */
final class AdminMetrics {

    /** Every state {@link RunStatus#state()} can hold, so each gets a 0/1 sample. */
    static final List<String> STATES =
            List.of("waiting-for-workers", "training", "evaluating", "paused", "finished");

    private AdminMetrics() {}

    static String render(RunStatus status, List<WorkerStatus> workers, long nowMillis) {
        PrometheusText text = new PrometheusText();
        text.metric("fedlora_round", "gauge", "The round in progress, or the last completed one.")
                .sample(status.round());
        text.metric("fedlora_rounds_configured", "gauge", "Rounds the run is configured for.")
                .sample(status.rounds());
        text.metric(
                        "fedlora_rounds_completed_total",
                        "counter",
                        "Rounds completed and checkpointed.")
                .sample(status.completedRounds());
        text.metric("fedlora_workers", "gauge", "Workers admitted right now.")
                .sample(status.workers());
        text.metric(
                "fedlora_updates_rejected_total",
                "counter",
                "Worker updates rejected by validation, by reason.");
        new TreeMap<>(status.rejections())
                .forEach((reason, n) -> text.sample(Map.of("reason", reason), n));
        text.metric(
                        "fedlora_last_accuracy",
                        "gauge",
                        "Mean accuracy of the latest federated evaluation (NaN before the first).")
                .sample(status.lastAccuracy());
        text.metric(
                        "fedlora_round_results",
                        "gauge",
                        "Updates of the current round: received (in) and instructed (expected).")
                .sample(Map.of("kind", "in"), status.resultsIn())
                .sample(Map.of("kind", "expected"), status.resultsExpected());
        text.metric("fedlora_paused", "gauge", "1 while the run is paused.")
                .sample("paused".equals(status.state()) ? 1 : 0);
        text.metric(
                        "fedlora_stop_requested",
                        "gauge",
                        "1 once a stop after the current round was requested.")
                .sample(status.stopAfterRound() ? 1 : 0);
        text.metric(
                "fedlora_run_state", "gauge", "1 for the state the run is in, 0 for the others.");
        for (String state : STATES) {
            text.sample(Map.of("state", state), state.equals(status.state()) ? 1 : 0);
        }
        text.metric(
                "fedlora_worker_heartbeat_age_seconds",
                "gauge",
                "Seconds since each worker's last heartbeat, on the coordinator's clock.");
        for (WorkerStatus w : workers) {
            text.sample(
                    Map.of("worker", w.id()),
                    Math.max(0, nowMillis - w.lastHeartbeatMillis()) / 1e3);
        }
        text.metric(
                "fedlora_worker_updates_accepted_total",
                "counter",
                "Updates of each worker the coordinator accepted.");
        for (WorkerStatus w : workers) {
            text.sample(Map.of("worker", w.id()), w.roundsCompleted());
        }
        text.metric(
                "fedlora_worker_examples", "gauge", "Training examples each worker advertised.");
        for (WorkerStatus w : workers) {
            Map<String, String> labels = new LinkedHashMap<>();
            labels.put("worker", w.id());
            labels.put("device", w.device());
            text.sample(labels, w.exampleCount());
        }
        return text.toString();
    }
}
