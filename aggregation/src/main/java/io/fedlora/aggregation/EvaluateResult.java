package io.fedlora.aggregation;

import java.util.Map;
import java.util.Objects;

/** A client's evaluation: mean loss and metrics (e.g. {@code accuracy}) over its examples. */
public record EvaluateResult(
        String clientId, long round, long exampleCount, double loss, Map<String, Double> metrics) {

    public EvaluateResult {
        Objects.requireNonNull(clientId, "clientId");
        if (exampleCount < 0) {
            throw new IllegalArgumentException("client " + clientId + ": exampleCount is negative");
        }
        metrics = Map.copyOf(metrics);
    }
}
