package io.fedlora.nn;

import java.util.Objects;
import java.util.Random;

/**
 * What a forward pass needs besides its input: the number of examples {@code batch} (layers see
 * token-major activations {@code [batch·seq, dim]} and some need to split them back), whether it is
 * a training pass (dropout on, activations cached for backward) and the source of dropout masks.
 */
public record Pass(int batch, boolean training, Random rng) {

    public Pass {
        if (batch <= 0) {
            throw new IllegalArgumentException("batch must be positive, got " + batch);
        }
        if (training) {
            Objects.requireNonNull(rng, "a training pass needs a random source for dropout");
        }
    }

    public static Pass train(int batch, Random rng) {
        return new Pass(batch, true, rng);
    }

    public static Pass eval(int batch) {
        return new Pass(batch, false, null);
    }
}
