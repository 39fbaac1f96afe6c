package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import java.util.Map;
import java.util.Objects;

/**
 * A client's trained adapter for a round, the number of examples it trained on (its weight by
 * default) and its training metrics (name → value, e.g. {@code loss}).
 *
 * <p>The adapter is reached through an {@link UpdateHandle} so that a runner can keep large updates
 * off the Java heap or in a spill file and a streaming strategy loads one at a time.
 */
public record FitResult(
        String clientId,
        long round,
        long exampleCount,
        Map<String, Double> metrics,
        UpdateHandle update) {

    public FitResult {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(update, "update");
        if (exampleCount < 0) {
            throw new IllegalArgumentException("client " + clientId + ": exampleCount is negative");
        }
        metrics = Map.copyOf(metrics);
    }

    /** A result whose adapter is already in memory. */
    public static FitResult inMemory(
            String clientId,
            long round,
            long exampleCount,
            Map<String, Double> metrics,
            Adapter adapter) {
        return new FitResult(clientId, round, exampleCount, metrics, UpdateHandle.of(adapter));
    }

    /** The client's adapter (loaded from wherever the handle keeps it). */
    public Adapter adapter() {
        return update.load();
    }
}
