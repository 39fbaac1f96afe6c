package io.fedlora.aggregation.robust;

import io.fedlora.aggregation.UpdateHandle;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import org.nd4j.linalg.api.ndarray.INDArray;

/** An in-memory update that counts how it is read: whole, by module, by saved module. */
final class CountingHandle implements UpdateHandle {

    private final Adapter adapter;
    int loads;
    int modules;
    int saved;

    CountingHandle(Adapter adapter) {
        this.adapter = adapter;
    }

    @Override
    public Adapter load() {
        loads++;
        return adapter;
    }

    @Override
    public LoraPair module(String name) {
        modules++;
        return adapter.module(name);
    }

    @Override
    public INDArray saved(String name) {
        saved++;
        return adapter.modulesToSave().get(name);
    }
}
