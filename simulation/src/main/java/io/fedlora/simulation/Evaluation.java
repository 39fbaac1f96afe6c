package io.fedlora.simulation;

import io.fedlora.aggregation.EvaluateSummary;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A federated evaluation of one global model version: the strategy's summary (example-weighted mean
 * loss and accuracy over the clients that answered) and each client's own accuracy and loss on its
 * held-out data, in client order.
 */
public record Evaluation(
        EvaluateSummary summary, Map<String, Double> accuracy, Map<String, Double> loss) {

    public Evaluation {
        accuracy = Collections.unmodifiableMap(new LinkedHashMap<>(accuracy));
        loss = Collections.unmodifiableMap(new LinkedHashMap<>(loss));
    }

    /** The example-weighted mean accuracy over the clients, NaN when none answered. */
    public double meanAccuracy() {
        return summary.metrics().getOrDefault("accuracy", Double.NaN);
    }

    /** The example-weighted mean loss over the clients, NaN when none answered. */
    public double meanLoss() {
        return summary.loss();
    }
}
