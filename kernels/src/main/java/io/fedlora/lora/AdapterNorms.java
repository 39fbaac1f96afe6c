package io.fedlora.lora;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Frobenius norms of an adapter, for update validation (norm bounds), clipping and weighting
 * (HetLoRA weighs clients by {@code ‖ΔW‖_F}).
 *
 * @param modules per module, in the adapter's order
 * @param global the L2 norm of the whole parameter vector: {@code sqrt(Σ ‖A‖² + ‖B‖² + Σ
 *     ‖saved‖²)}, i.e. the norm of {@link AdapterLayout#flatten(Adapter)}
 */
public record AdapterNorms(Map<String, ModuleNorms> modules, double global) {

    /**
     * Norms of one module.
     *
     * @param a {@code ‖lora_A‖_F}
     * @param b {@code ‖lora_B‖_F}
     * @param deltaW {@code ‖scale·B·A‖_F}, computed from the factors (no {@code out × in} matrix)
     */
    public record ModuleNorms(double a, double b, double deltaW) {}

    public AdapterNorms {
        modules = Collections.unmodifiableMap(new LinkedHashMap<>(modules));
    }

    /** Norms of {@code adapter}. */
    public static AdapterNorms of(Adapter adapter) {
        Map<String, ModuleNorms> modules = new LinkedHashMap<>();
        double sumOfSquares = 0;
        for (Map.Entry<String, LoraPair> e : adapter.modules().entrySet()) {
            LoraPair pair = e.getValue();
            double a2 = Tensors.sumOfSquares(pair.a());
            double b2 = Tensors.sumOfSquares(pair.b());
            double deltaW = adapter.scale() * FactoredProducts.frobeniusNorm(pair);
            modules.put(e.getKey(), new ModuleNorms(Math.sqrt(a2), Math.sqrt(b2), deltaW));
            sumOfSquares += a2 + b2;
        }
        for (INDArray saved : adapter.modulesToSave().values()) {
            sumOfSquares += Tensors.sumOfSquares(saved);
        }
        return new AdapterNorms(modules, Math.sqrt(sumOfSquares));
    }

    /** Norms of one module. */
    public ModuleNorms module(String name) {
        ModuleNorms norms = modules.get(name);
        if (norms == null) {
            throw new IllegalArgumentException("no norms for module " + name);
        }
        return norms;
    }
}
