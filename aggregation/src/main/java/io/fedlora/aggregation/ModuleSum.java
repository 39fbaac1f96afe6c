package io.fedlora.aggregation;

import io.fedlora.lora.LoraPair;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A running weighted sum of LoRA pairs, element-wise on each factor, with a weight per client and
 * module (HetLoRA weighs each module by its own update norm). Pairs added to one module must have
 * one shape: pad them to a common rank first.
 */
final class ModuleSum {

    private final Map<String, INDArray> aSums = new LinkedHashMap<>();
    private final Map<String, INDArray> bSums = new LinkedHashMap<>();

    /** Adds {@code weight · pair} to {@code module}'s sum. */
    void add(String module, LoraPair pair, double weight) {
        if (!Double.isFinite(weight)) {
            throw new IllegalArgumentException(
                    "weight " + weight + " of module " + module + " is not finite");
        }
        INDArray a = aSums.get(module);
        if (a == null) {
            aSums.put(module, pair.a().mul(weight));
            bSums.put(module, pair.b().mul(weight));
            return;
        }
        Axpy.addScaled(a, pair.a(), weight);
        Axpy.addScaled(bSums.get(module), pair.b(), weight);
    }

    /** The summed pairs, modules in the order first added. */
    Map<String, LoraPair> result() {
        Map<String, LoraPair> pairs = new LinkedHashMap<>();
        aSums.forEach((name, a) -> pairs.put(name, new LoraPair(a, bSums.get(name))));
        return pairs;
    }
}
