package io.fedlora.aggregation;

import java.util.Map;
import java.util.Objects;

/**
 * A client the runner can instruct: its id, the largest LoRA rank it accepts (its memory or compute
 * budget), how many training examples it holds, and free-form properties (device, domain, …) a
 * strategy may use to choose.
 */
public record ClientInfo(
        String id, int maxRank, long exampleCount, Map<String, String> properties) {

    public ClientInfo {
        Objects.requireNonNull(id, "id");
        if (maxRank <= 0) {
            throw new IllegalArgumentException("client " + id + ": maxRank must be positive");
        }
        if (exampleCount < 0) {
            throw new IllegalArgumentException("client " + id + ": exampleCount is negative");
        }
        properties = Map.copyOf(properties);
    }

    public ClientInfo(String id, int maxRank, long exampleCount) {
        this(id, maxRank, exampleCount, Map.of());
    }
}
