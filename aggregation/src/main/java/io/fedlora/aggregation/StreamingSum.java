package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A running weighted sum of adapters that holds one accumulator and never more than the adapter
 * being added: FedIT-like strategies aggregate any number of clients in memory for two adapters.
 * The first adapter fixes the layout; later ones must match it (the {@link UpdateValidator} has
 * checked that before aggregation).
 */
public final class StreamingSum {

    private Adapter first;
    private Map<String, INDArray> aSums;
    private Map<String, INDArray> bSums;
    private Map<String, INDArray> savedSums;
    private int count;

    /** Adds {@code weight · adapter}. */
    public void add(Adapter adapter, double weight) {
        if (!Double.isFinite(weight)) {
            throw new IllegalArgumentException("weight " + weight + " is not finite");
        }
        if (first == null) {
            first = adapter;
            aSums = new LinkedHashMap<>();
            bSums = new LinkedHashMap<>();
            savedSums = new LinkedHashMap<>();
            adapter.modules()
                    .forEach(
                            (name, p) -> {
                                aSums.put(name, p.a().mul(weight));
                                bSums.put(name, p.b().mul(weight));
                            });
            adapter.modulesToSave().forEach((name, t) -> savedSums.put(name, t.mul(weight)));
        } else {
            for (Map.Entry<String, INDArray> e : aSums.entrySet()) {
                LoraPair p = adapter.module(e.getKey());
                if (p == null) {
                    throw new IllegalArgumentException(
                            "adapter #" + count + " has no module " + e.getKey());
                }
                Axpy.addScaled(e.getValue(), p.a(), weight);
                Axpy.addScaled(bSums.get(e.getKey()), p.b(), weight);
            }
            for (Map.Entry<String, INDArray> e : savedSums.entrySet()) {
                INDArray t = adapter.modulesToSave().get(e.getKey());
                if (t == null) {
                    throw new IllegalArgumentException(
                            "adapter #" + count + " has no saved module " + e.getKey());
                }
                Axpy.addScaled(e.getValue(), t, weight);
            }
        }
        count++;
    }

    /** How many adapters were added. */
    public int count() {
        return count;
    }

    /** The sum so far, with the first adapter's rank, alpha and target modules. */
    public Adapter result() {
        if (first == null) {
            throw new IllegalStateException("sum of no adapters");
        }
        Map<String, LoraPair> pairs = new LinkedHashMap<>();
        aSums.forEach((name, a) -> pairs.put(name, new LoraPair(a.dup(), bSums.get(name).dup())));
        Map<String, INDArray> saved = new LinkedHashMap<>();
        savedSums.forEach((name, t) -> saved.put(name, t.dup()));
        return new Adapter(pairs, first.rank(), first.alpha(), first.targetModules(), saved);
    }
}
