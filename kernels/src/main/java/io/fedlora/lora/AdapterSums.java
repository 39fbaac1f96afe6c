package io.fedlora.lora;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Linear combinations {@code Σ wᵢ·adapterᵢ} of adapters that share one {@link AdapterLayout}, taken
 * element-wise on every tensor: each {@code lora_A}, each {@code lora_B} and each saved module.
 * This is arithmetic on the parameter vector (what FedIT averages), not on the updates: the product
 * of a sum is not the sum of the products, and {@code scale(c)} multiplies {@code ΔW} by {@code
 * c²}. For sums of updates see {@link FactoredProducts} and {@link TruncatedSvd}.
 */
public final class AdapterSums {

    private AdapterSums() {}

    /**
     * {@code Σ wᵢ·adapterᵢ} in one pass over the modules. The result has the first adapter's
     * layout, target modules and data types.
     *
     * @throws IllegalArgumentException on an empty list, a weight count that differs from the
     *     adapter count, a non-finite weight, or an adapter whose layout or data types differ from
     *     the first's (the message names the adapter index and the module)
     */
    public static Adapter weightedSum(List<Adapter> adapters, double[] weights) {
        if (adapters.isEmpty()) {
            throw new IllegalArgumentException("weighted sum of no adapters");
        }
        if (weights.length != adapters.size()) {
            throw new IllegalArgumentException(
                    weights.length + " weights for " + adapters.size() + " adapters");
        }
        for (int i = 0; i < weights.length; i++) {
            if (!Double.isFinite(weights[i])) {
                throw new IllegalArgumentException("weight #" + i + " is " + weights[i]);
            }
        }
        Adapter first = adapters.get(0);
        AdapterLayout layout = AdapterLayout.of(first);
        for (int i = 1; i < adapters.size(); i++) {
            requireCompatible(layout, first, adapters.get(i), i);
        }
        Map<String, LoraPair> pairs = new LinkedHashMap<>();
        for (String name : first.modules().keySet()) {
            INDArray a = combine(adapters, weights, adapter -> adapter.module(name).a());
            INDArray b = combine(adapters, weights, adapter -> adapter.module(name).b());
            pairs.put(name, new LoraPair(a, b));
        }
        Map<String, INDArray> saved = new LinkedHashMap<>();
        for (String name : first.modulesToSave().keySet()) {
            saved.put(
                    name, combine(adapters, weights, adapter -> adapter.modulesToSave().get(name)));
        }
        return new Adapter(pairs, first.rank(), first.alpha(), first.targetModules(), saved);
    }

    private static INDArray combine(
            List<Adapter> adapters, double[] weights, Function<Adapter, INDArray> tensor) {
        INDArray sum = tensor.apply(adapters.get(0)).mul(weights[0]);
        for (int i = 1; i < adapters.size(); i++) {
            sum.addi(tensor.apply(adapters.get(i)).mul(weights[i]));
        }
        return sum;
    }

    private static void requireCompatible(
            AdapterLayout layout, Adapter first, Adapter other, int index) {
        String difference = layout.firstDifference(AdapterLayout.of(other));
        if (difference != null) {
            throw new IllegalArgumentException(
                    "adapter #" + index + " does not match adapter #0: " + difference);
        }
        for (Map.Entry<String, LoraPair> e : first.modules().entrySet()) {
            LoraPair mine = e.getValue();
            LoraPair theirs = other.module(e.getKey());
            requireSameType(e.getKey() + " lora_A", mine.a(), theirs.a(), index);
            requireSameType(e.getKey() + " lora_B", mine.b(), theirs.b(), index);
        }
        for (Map.Entry<String, INDArray> e : first.modulesToSave().entrySet()) {
            requireSameType(e.getKey(), e.getValue(), other.modulesToSave().get(e.getKey()), index);
        }
    }

    private static void requireSameType(String what, INDArray mine, INDArray theirs, int index) {
        if (mine.dataType() != theirs.dataType()) {
            throw new IllegalArgumentException(
                    "adapter #"
                            + index
                            + " does not match adapter #0: "
                            + what
                            + " is "
                            + theirs.dataType()
                            + " where "
                            + mine.dataType()
                            + " is expected");
        }
    }
}
