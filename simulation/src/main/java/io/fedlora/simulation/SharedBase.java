package io.fedlora.simulation;

import io.fedlora.aggregation.BaseUpdate;
import io.fedlora.lora.LoraPair;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The frozen base weights every virtual client's model is built over, owned by the simulation: the
 * one party that changes them is the loop, when a strategy (FLoRA, FedEx-LoRA) returns a {@link
 * BaseUpdate}. Clients of later rounds build their models over the merged arrays.
 *
 * <p>Merging is dense ({@code W += scale·B·A}, {@code out × in} per module): the simulated models
 * are small, and the party that owns a base densifies an update exactly once.
 */
public final class SharedBase {

    private final Map<String, INDArray> weights;

    /**
     * @param weights name → tensor, taken over (not copied): the caller hands over arrays that no
     *     one else writes
     */
    public SharedBase(Map<String, INDArray> weights) {
        if (weights.isEmpty()) {
            throw new IllegalArgumentException("the base has no weights");
        }
        this.weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
    }

    /** A base over copies of {@code weights}, so merging never writes into the caller's arrays. */
    public static SharedBase copyOf(Map<String, INDArray> weights) {
        Map<String, INDArray> copies = new LinkedHashMap<>();
        weights.forEach((name, t) -> copies.put(name, t.dup()));
        return new SharedBase(copies);
    }

    /** The live arrays, name → tensor (models are built over these). Unmodifiable. */
    public Map<String, INDArray> weights() {
        return weights;
    }

    /**
     * Adds {@code update.scale()·B·A} to the weight {@code <module>.weight} of every module of the
     * update. Every module is checked before any weight changes.
     *
     * @throws IllegalArgumentException when a module has no weight or the shapes differ
     */
    public void merge(BaseUpdate update) {
        for (Map.Entry<String, LoraPair> e : update.modules().entrySet()) {
            INDArray w = weightOf(e.getKey());
            LoraPair pair = e.getValue();
            long[] shape = {pair.outFeatures(), pair.inFeatures()};
            if (!Arrays.equals(w.shape(), shape)) {
                throw new IllegalArgumentException(
                        "base update of "
                                + e.getKey()
                                + " is "
                                + Arrays.toString(shape)
                                + " but the weight is "
                                + Arrays.toString(w.shape()));
            }
        }
        for (String module : update.modules().keySet()) {
            INDArray w = weightOf(module);
            w.addi(update.deltaW(module).castTo(w.dataType()));
        }
    }

    private INDArray weightOf(String module) {
        INDArray w = weights.get(module + ".weight");
        if (w == null) {
            throw new IllegalArgumentException(
                    "the base update names module " + module + ", which has no base weight");
        }
        return w;
    }
}
