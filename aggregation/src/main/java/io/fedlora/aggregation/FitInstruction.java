package io.fedlora.aggregation;

import java.util.Map;
import java.util.Objects;

/**
 * What one client trains in one round: it starts from the round's global model at {@code rank}
 * ({@link GlobalModel#clientStart(int)}) and applies {@code options}, the strategy-specific
 * training settings whose keys are constants in {@link TrainOptions}.
 */
public record FitInstruction(String clientId, long round, int rank, Map<String, String> options) {

    public FitInstruction {
        Objects.requireNonNull(clientId, "clientId");
        if (rank <= 0) {
            throw new IllegalArgumentException("client " + clientId + ": rank must be positive");
        }
        options = Map.copyOf(options);
    }
}
