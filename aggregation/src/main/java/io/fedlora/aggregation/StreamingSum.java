package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A running weighted sum of whole adapters that holds one accumulator and never more than the
 * adapter being added: FedIT-like strategies aggregate any number of clients in memory for two
 * adapters. The pairs are summed by a {@link ModuleSum} and the saved modules by a {@link
 * SavedModuleSum}; this class adds what a whole adapter needs on top: the first adapter fixes the
 * layout, rank, alpha and target modules, and later ones must have the same modules (the {@link
 * UpdateValidator} has checked that before aggregation).
 */
public final class StreamingSum {

    private final ModuleSum pairs = new ModuleSum();
    private final SavedModuleSum saved = new SavedModuleSum();
    private Adapter first;
    private int count;

    /** Adds {@code weight · adapter}. */
    public void add(Adapter adapter, double weight) {
        if (!Double.isFinite(weight)) {
            throw new IllegalArgumentException("weight " + weight + " is not finite");
        }
        if (first == null) {
            first = adapter;
        }
        for (String module : first.modules().keySet()) {
            LoraPair pair = adapter.module(module);
            if (pair == null) {
                throw new IllegalArgumentException(
                        "adapter #" + count + " has no module " + module);
            }
            pairs.add(module, pair, weight);
        }
        saved.add(adapter.modulesToSave(), weight);
        count++;
    }

    /** How many adapters were added. */
    public int count() {
        return count;
    }

    /**
     * A copy of the sum so far (later adds do not change it), with the first adapter's rank, alpha
     * and target modules.
     */
    public Adapter result() {
        if (first == null) {
            throw new IllegalStateException("sum of no adapters");
        }
        Map<String, LoraPair> summed = new LinkedHashMap<>();
        pairs.result()
                .forEach((name, p) -> summed.put(name, new LoraPair(p.a().dup(), p.b().dup())));
        Map<String, INDArray> savedCopy = new LinkedHashMap<>();
        saved.result().forEach((name, t) -> savedCopy.put(name, t.dup()));
        return new Adapter(summed, first.rank(), first.alpha(), first.targetModules(), savedCopy);
    }
}
