package io.fedlora.aggregation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The metrics every strategy reports for a round, to which each adds its own. */
public final class RoundMetrics {

    private RoundMetrics() {}

    /** {@code clients} (results aggregated) and {@code failures}, in a map open for more. */
    public static Map<String, Double> of(List<FitResult> results, List<Failure> failures) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("clients", (double) results.size());
        metrics.put("failures", (double) failures.size());
        return metrics;
    }
}
