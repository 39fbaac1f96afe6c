package io.fedlora.aggregation.spill;

import io.fedlora.aggregation.UpdateHandle;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A client update kept in a {@link SpillStore}: the adapter's hyper-parameters and the place of
 * every tensor stay on the heap (a few hundred bytes a module), the numbers in the spill file. Each
 * read builds fresh arrays, which the caller owns.
 */
final class SpilledUpdate implements UpdateHandle {

    record Pair(SpilledTensor a, SpilledTensor b) {}

    private final SpillStore store;
    private final long id;
    private final Map<String, Pair> modules;
    private final int rank;
    private final double alpha;
    private final List<String> targetModules;
    private final Map<String, SpilledTensor> saved;

    SpilledUpdate(
            SpillStore store,
            long id,
            Map<String, Pair> modules,
            int rank,
            double alpha,
            List<String> targetModules,
            Map<String, SpilledTensor> saved) {
        this.store = store;
        this.id = id;
        this.modules = modules;
        this.rank = rank;
        this.alpha = alpha;
        this.targetModules = targetModules;
        this.saved = saved;
    }

    @Override
    public Adapter load() {
        return store.reading(
                this,
                () -> {
                    Map<String, LoraPair> pairs = new LinkedHashMap<>();
                    modules.forEach((name, p) -> pairs.put(name, read(p)));
                    Map<String, INDArray> tensors = new LinkedHashMap<>();
                    saved.forEach((name, t) -> tensors.put(name, t.read()));
                    return new Adapter(pairs, rank, alpha, targetModules, tensors);
                });
    }

    @Override
    public LoraPair module(String name) {
        Pair p = modules.get(name);
        if (p == null) {
            throw new IllegalArgumentException(
                    "spilled update #"
                            + id
                            + " has no module "
                            + name
                            + " (it has "
                            + modules.size()
                            + ")");
        }
        return store.reading(this, () -> read(p));
    }

    /** Bytes this update occupies in the spill files. */
    public long bytes() {
        long total = 0;
        for (Pair p : modules.values()) {
            total += p.a().bytes() + p.b().bytes();
        }
        for (SpilledTensor t : saved.values()) {
            total += t.bytes();
        }
        return total;
    }

    long id() {
        return id;
    }

    /**
     * Where a module's factors lie (tests overwrite one module's bytes to show reads are local).
     */
    Pair place(String name) {
        return modules.get(name);
    }

    private static LoraPair read(Pair p) {
        return new LoraPair(p.a().read(), p.b().read());
    }

    @Override
    public String toString() {
        return "SpilledUpdate#" + id + "[" + modules.size() + " modules, " + bytes() + " bytes]";
    }
}
