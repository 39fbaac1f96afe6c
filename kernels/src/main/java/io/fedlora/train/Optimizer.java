package io.fedlora.train;

import io.fedlora.nn.Parameter;
import java.util.List;

/**
 * Updates parameters in place from their accumulated gradients. An optimiser keeps per-parameter
 * state (moments, momentum buffers) keyed by the parameter object, allocated on first use.
 */
public interface Optimizer {

    /** One update of every parameter in {@code params} (all must be trainable). */
    void step(List<Parameter> params);

    /** Which optimiser, by name in configs. */
    enum Kind {
        ADAMW,
        SGD
    }
}
