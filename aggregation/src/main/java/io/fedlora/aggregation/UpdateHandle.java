package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where a client's update lives until aggregation: on the heap, off-heap, or in a spill file. A
 * strategy calls {@link #load()} (or {@link #module(String)} for one module) each time it needs the
 * update and drops the result when done, so at most the tensors it is working on are materialised
 * at once.
 */
public interface UpdateHandle {

    /** The whole adapter; each call may build it anew from the stored bytes. */
    Adapter load();

    /**
     * One module's pair. Stores that can read a module alone override this; the default loads the
     * whole adapter.
     */
    default LoraPair module(String name) {
        LoraPair pair = load().module(name);
        if (pair == null) {
            throw new IllegalArgumentException("the update has no module " + name);
        }
        return pair;
    }

    /**
     * One saved module's tensor ({@code modules_to_save}, e.g. a classifier head), so that
     * strategies that need every client at once (median, Krum) can hold one tensor per client.
     * Stores that can read one tensor alone override this; the default loads the whole adapter.
     */
    default INDArray saved(String name) {
        INDArray tensor = load().modulesToSave().get(name);
        if (tensor == null) {
            throw new IllegalArgumentException("the update has no saved module " + name);
        }
        return tensor;
    }

    /** A handle to an adapter that is already in memory. */
    static UpdateHandle of(Adapter adapter) {
        Objects.requireNonNull(adapter, "adapter");
        return () -> adapter;
    }
}
