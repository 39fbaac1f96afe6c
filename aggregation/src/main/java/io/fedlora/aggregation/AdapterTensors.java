package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An adapter seen as its parameter vector: every tensor (each module's {@code lora_A} and {@code
 * lora_B}, each saved module) under a stable key, in the adapter's order. Strategies that act
 * coordinate-wise on the whole vector — server optimizers, noise, clipping — iterate these keys
 * instead of walking modules and saved modules twice, and use the keys to name their state.
 *
 * <p>Keys: {@code A:<module>}, {@code B:<module>}, {@code S:<saved module>}. The prefixes keep a
 * saved module called like a module apart from it.
 */
public final class AdapterTensors {

    private AdapterTensors() {}

    /** Key of a module's {@code lora_A}. */
    public static String aKey(String module) {
        return "A:" + module;
    }

    /** Key of a module's {@code lora_B}. */
    public static String bKey(String module) {
        return "B:" + module;
    }

    /** Key of a saved module. */
    public static String savedKey(String name) {
        return "S:" + name;
    }

    /** Every tensor of {@code adapter} by key, in order (the adapter's own arrays, not copies). */
    public static Map<String, INDArray> of(Adapter adapter) {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        adapter.modules()
                .forEach(
                        (name, pair) -> {
                            tensors.put(aKey(name), pair.a());
                            tensors.put(bKey(name), pair.b());
                        });
        adapter.modulesToSave().forEach((name, t) -> tensors.put(savedKey(name), t));
        return tensors;
    }

    /**
     * An adapter with {@code template}'s modules, rank, alpha and target modules whose tensor of
     * each key is {@code f(key, template's tensor)}.
     */
    public static Adapter map(Adapter template, BiFunction<String, INDArray, INDArray> f) {
        Map<String, LoraPair> pairs = new LinkedHashMap<>();
        template.modules()
                .forEach(
                        (name, pair) ->
                                pairs.put(
                                        name,
                                        new LoraPair(
                                                f.apply(aKey(name), pair.a()),
                                                f.apply(bKey(name), pair.b()))));
        Map<String, INDArray> saved = new LinkedHashMap<>();
        template.modulesToSave().forEach((name, t) -> saved.put(name, f.apply(savedKey(name), t)));
        return new Adapter(
                pairs, template.rank(), template.alpha(), template.targetModules(), saved);
    }

    /** Squared L2 norm of the whole parameter vector, accumulated in double precision. */
    public static double squaredNorm(Map<String, INDArray> tensors) {
        double total = 0;
        for (INDArray t : tensors.values()) {
            total += squaredNorm(t);
        }
        return total;
    }

    /** Squared L2 norm of one tensor in double precision, whatever its data type. */
    public static double squaredNorm(INDArray t) {
        if (t.isEmpty()) {
            return 0;
        }
        double norm = t.castTo(DataType.DOUBLE).norm2Number().doubleValue();
        return norm * norm;
    }
}
