package io.fedlora.aggregation;

import java.util.Map;
import java.util.Objects;

/** Evaluate the round's global model on the client's held-out data. */
public record EvaluateInstruction(String clientId, long round, Map<String, String> options) {

    public EvaluateInstruction {
        Objects.requireNonNull(clientId, "clientId");
        options = Map.copyOf(options);
    }
}
