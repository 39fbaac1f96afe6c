package io.fedlora.aggregation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A federated evaluation: loss and each metric averaged over the clients that answered, weighted by
 * their example counts, and how many answered or failed.
 */
public record EvaluateSummary(
        long round, double loss, Map<String, Double> metrics, int clients, int failures) {

    public EvaluateSummary {
        metrics = Map.copyOf(metrics);
    }

    /**
     * The example-weighted means. A metric missing from some results is averaged over those that
     * report it. With no examples at all the loss is NaN and there are no metrics.
     */
    public static EvaluateSummary weightedMean(
            long round, List<EvaluateResult> results, List<Failure> failures) {
        double examples = 0;
        double loss = 0;
        for (EvaluateResult r : results) {
            examples += r.exampleCount();
            loss += r.exampleCount() * r.loss();
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        TreeSet<String> names = new TreeSet<>();
        results.forEach(r -> names.addAll(r.metrics().keySet()));
        for (String name : names) {
            double sum = 0;
            double weight = 0;
            for (EvaluateResult r : results) {
                Double value = r.metrics().get(name);
                if (value != null) {
                    sum += r.exampleCount() * value;
                    weight += r.exampleCount();
                }
            }
            if (weight > 0) {
                metrics.put(name, sum / weight);
            }
        }
        return new EvaluateSummary(
                round,
                examples > 0 ? loss / examples : Double.NaN,
                metrics,
                results.size(),
                failures.size());
    }
}
