package io.fedlora.simulation;

import io.fedlora.aggregation.Failure;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What happened in one round of a simulated run. Round 0 is the initial model: nothing trains, it
 * is only evaluated.
 *
 * @param round 0 for the initial model, then 1, 2, …
 * @param version the global model's version after the round
 * @param instructed clients the strategy instructed
 * @param accepted ids of the clients whose updates passed validation, in instruction order
 * @param failures clients that failed to train, were rejected by validation, or failed to evaluate
 * @param metrics the strategy's round metrics plus the loop's own: {@code client_loss} (mean final
 *     local loss), {@code aggregation_error} (largest per-module relative error of the aggregate
 *     against the example-weighted ideal {@code Σ pᵢsᵢBᵢAᵢ}) and {@code base_update} (1 when a base
 *     update was merged)
 * @param note why the global model did not move this round, or empty
 * @param evaluation the federated evaluation after the round, when one was due
 * @param seconds wall time of the round, evaluation included
 */
public record RoundRecord(
        long round,
        long version,
        int instructed,
        List<String> accepted,
        List<Failure> failures,
        Map<String, Double> metrics,
        String note,
        Optional<Evaluation> evaluation,
        double seconds) {

    public RoundRecord {
        accepted = List.copyOf(accepted);
        failures = List.copyOf(failures);
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        Objects.requireNonNull(note, "note");
        Objects.requireNonNull(evaluation, "evaluation");
    }

    /** Whether the global model moved to a new version in this round. */
    public boolean aggregated() {
        return note.isEmpty() && round > 0;
    }
}
