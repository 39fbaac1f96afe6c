package io.fedlora.aggregation;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A running weighted sum of the clients' {@code modules_to_save} (a classifier head), for the
 * strategies that aggregate the LoRA factors some other way than an element-wise average. The first
 * client fixes the names; later ones must have the same.
 */
final class SavedModuleSum {

    private Map<String, INDArray> sums;

    /** Adds {@code weight · saved}. */
    void add(Map<String, INDArray> saved, double weight) {
        if (sums == null) {
            sums = new LinkedHashMap<>();
            saved.forEach((name, t) -> sums.put(name, t.mul(weight)));
            return;
        }
        if (!saved.keySet().equals(sums.keySet())) {
            throw new IllegalArgumentException(
                    "saved modules " + saved.keySet() + " differ from " + sums.keySet());
        }
        sums.forEach((name, sum) -> Axpy.addScaled(sum, saved.get(name), weight));
    }

    /** The sum; empty before anything was added. */
    Map<String, INDArray> result() {
        return sums == null ? Map.of() : sums;
    }
}
