package io.fedlora.aggregation;

import io.fedlora.lora.LoraPair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A sum of low-rank products {@code Σ cᵢ·Bᵢ·Aᵢ} per module, kept exact and factored by stacking:
 * {@code A = [c₁A₁; c₂A₂; …]} ({@code Σrᵢ × in}) and {@code B = [B₁, B₂, …]} ({@code out × Σrᵢ}),
 * so that {@code B·A = Σ cᵢ·Bᵢ·Aᵢ}. FLoRA's merged update and FedEx-LoRA's residual are such sums;
 * the result is a {@link BaseUpdate}, never an {@code out × in} matrix. Terms may differ in rank.
 */
final class StackedProducts {

    private final Map<String, List<INDArray>> rows = new LinkedHashMap<>();
    private final Map<String, List<INDArray>> columns = new LinkedHashMap<>();

    /** Adds {@code coefficient · pair.b · pair.a} to {@code module}'s sum. */
    void add(String module, LoraPair pair, double coefficient) {
        if (!Double.isFinite(coefficient)) {
            throw new IllegalArgumentException(
                    "coefficient " + coefficient + " of module " + module + " is not finite");
        }
        List<INDArray> as = rows.computeIfAbsent(module, k -> new ArrayList<>());
        if (!as.isEmpty()) {
            LoraPair first = new LoraPair(as.get(0), columns.get(module).get(0));
            if (first.inFeatures() != pair.inFeatures()
                    || first.outFeatures() != pair.outFeatures()) {
                throw new IllegalArgumentException(
                        "module "
                                + module
                                + ": a "
                                + pair.outFeatures()
                                + "×"
                                + pair.inFeatures()
                                + " product added to a sum of "
                                + first.outFeatures()
                                + "×"
                                + first.inFeatures()
                                + " ones");
            }
        }
        as.add(pair.a().mul(coefficient));
        columns.computeIfAbsent(module, k -> new ArrayList<>()).add(pair.b());
    }

    /** The stacks as a base update {@code W += scale·B·A}, modules in the order first added. */
    BaseUpdate build(double scale) {
        Map<String, LoraPair> modules = new LinkedHashMap<>();
        for (Map.Entry<String, List<INDArray>> e : rows.entrySet()) {
            INDArray a = Nd4j.vstack(e.getValue().toArray(INDArray[]::new));
            INDArray b = Nd4j.hstack(columns.get(e.getKey()).toArray(INDArray[]::new));
            modules.put(e.getKey(), new LoraPair(a, b));
        }
        return new BaseUpdate(modules, scale);
    }
}
