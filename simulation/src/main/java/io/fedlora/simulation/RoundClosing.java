package io.fedlora.simulation;

import io.fedlora.aggregation.AggregationError;
import io.fedlora.aggregation.Failure;
import io.fedlora.aggregation.FitInstruction;
import io.fedlora.aggregation.FitOutcome;
import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.aggregation.Strategy;
import io.fedlora.aggregation.UpdateValidator;
import io.fedlora.aggregation.Weighting;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The end of a fit round, the same for simulated and real clients: every result goes through the
 * {@link UpdateValidator}; the accepted ones go to {@code aggregateFit}; the round's metrics are
 * the strategy's plus the mean client loss, the aggregation error against the example-weighted
 * ideal, and whether the base changed. A round with nothing to aggregate, or whose aggregation
 * refuses its inputs, keeps the global model and says why in {@link Closed#note()}.
 */
public final class RoundClosing {

    /**
     * A closed round.
     *
     * @param next the next global model (the same one when nothing was aggregated); a present
     *     {@link GlobalModel#baseUpdate()} must be merged into the base by whoever owns it
     * @param accepted the updates that were aggregated, in result order
     * @param failures the round's failures so far plus every rejected update
     * @param metrics empty when nothing was aggregated
     * @param note empty when the round aggregated, else why not
     */
    public record Closed(
            GlobalModel next,
            List<FitResult> accepted,
            List<Failure> failures,
            Map<String, Double> metrics,
            String note) {
        public Closed {
            accepted = List.copyOf(accepted);
            failures = List.copyOf(failures);
            metrics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        }

        /** Whether the global model moved to a new version. */
        public boolean aggregated() {
            return note.isEmpty();
        }
    }

    private final Strategy strategy;
    private final UpdateValidator validator;

    public RoundClosing(Strategy strategy, UpdateValidator validator) {
        this.strategy = Objects.requireNonNull(strategy, "strategy");
        this.validator = Objects.requireNonNull(validator, "validator");
    }

    /**
     * Validates and aggregates the results of {@code round}, which started from {@code global}.
     *
     * @param failures the clients that failed before delivering (training errors, lost workers)
     */
    public Closed close(
            long round,
            GlobalModel global,
            List<FitInstruction> instructions,
            List<FitResult> results,
            List<Failure> failures) {
        UpdateValidator.Outcome checked = validator.validate(global, instructions, results);
        List<Failure> all = new ArrayList<>(failures);
        all.addAll(checked.rejected());
        List<FitResult> accepted = checked.accepted();
        if (instructions.isEmpty()) {
            return new Closed(global, accepted, all, Map.of(), "no client instructed");
        }
        if (accepted.isEmpty()) {
            return new Closed(global, accepted, all, Map.of(), "no update accepted");
        }
        FitOutcome outcome;
        try {
            outcome = strategy.aggregateFit(round, global, accepted, List.copyOf(all));
        } catch (IllegalArgumentException e) {
            return new Closed(
                    global, accepted, all, Map.of(), "aggregation failed: " + e.getMessage());
        }
        // The loop's own metrics first, then the strategy's by name: reports list them in this
        // order, the same every round whatever map the strategy returned.
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("client_loss", meanMetric(accepted, "loss"));
        metrics.put("aggregation_error", aggregationError(accepted, outcome));
        metrics.put("base_update", outcome.baseUpdate().isPresent() ? 1.0 : 0.0);
        metrics.putAll(new TreeMap<>(outcome.metrics()));
        return new Closed(global.next(outcome), accepted, all, metrics, "");
    }

    /** Rejections so far, by reason (the validator's counts). */
    public Map<UpdateValidator.Rejection, Long> rejections() {
        return validator.counts();
    }

    /**
     * The aggregate's largest per-module error against the example-weighted ideal; NaN when the
     * clients' weights are undefined (every client reported no examples).
     */
    private static double aggregationError(List<FitResult> accepted, FitOutcome outcome) {
        double[] p;
        try {
            p = Weighting.EXAMPLES.of(accepted);
        } catch (IllegalArgumentException e) {
            return Double.NaN;
        }
        return AggregationError.max(AggregationError.perModule(accepted, p, outcome));
    }

    private static double meanMetric(List<FitResult> results, String name) {
        return results.stream()
                .mapToDouble(r -> r.metrics().getOrDefault(name, Double.NaN))
                .average()
                .orElse(Double.NaN);
    }
}
