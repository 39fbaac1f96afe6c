package io.fedlora.aggregation;

import io.fedlora.lora.LoraPair;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A change to the frozen base weights, kept in factored form: for each module, {@code W += scale ·
 * B · A} with {@code B} {@code out × k} and {@code A} {@code k × in}. FLoRA's merged stack and
 * FedEx-LoRA's residual {@code Σ pᵢBᵢAᵢ − B̄Ā} both have this shape with {@code k} a multiple of
 * the rank, so the coordinator never forms an {@code out × in} matrix; only the party that owns the
 * base weights densifies it, once, when merging.
 */
public record BaseUpdate(Map<String, LoraPair> modules, double scale) {

    public BaseUpdate {
        if (!Double.isFinite(scale)) {
            throw new IllegalArgumentException("base update scale must be finite, got " + scale);
        }
        modules = Collections.unmodifiableMap(new LinkedHashMap<>(modules));
    }

    /** The dense change {@code scale · B · A} of one module, {@code out × in}. */
    public INDArray deltaW(String module) {
        LoraPair pair = modules.get(module);
        if (pair == null) {
            throw new IllegalArgumentException("the base update has no module " + module);
        }
        return pair.deltaW(scale);
    }
}
