package io.fedlora.lora;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A LoRA adapter: an ordered map from module name to {@link LoraPair}, plus the hyper-parameters
 * PEFT records in {@code adapter_config.json} and the small fully trained modules it saves ({@code
 * modules_to_save}, e.g. a classifier head).
 *
 * <p>Module names are the dotted paths of the adapted linear layers inside the model (for example
 * {@code blocks.0.attn.q}); on disk they become {@code base_model.model.<name>.lora_A.weight}.
 * Every pair has rank {@link #rank()}; the update of a module is {@code ΔW = (alpha / r) · B · A}.
 *
 * <p>An adapter is a value: it takes ownership of the arrays it is given and is never mutated;
 * operations return new adapters.
 */
public final class Adapter {

    private final Map<String, LoraPair> modules;
    private final int rank;
    private final double alpha;
    private final List<String> targetModules;
    private final Map<String, INDArray> modulesToSave;

    /**
     * @param modules module name → pair, iterated in the given order
     * @param rank r, which every pair must have
     * @param alpha PEFT's {@code lora_alpha}; the scale is {@code alpha / rank}
     * @param targetModules PEFT's {@code target_modules} (short names such as {@code q}, {@code
     *     fc1})
     * @param modulesToSave full tensors trained beside the adapter, name → tensor, in order
     */
    public Adapter(
            Map<String, LoraPair> modules,
            int rank,
            double alpha,
            List<String> targetModules,
            Map<String, INDArray> modulesToSave) {
        if (rank <= 0) {
            throw new IllegalArgumentException("rank must be positive, got " + rank);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException(
                    "lora_alpha must be positive and finite, got " + alpha);
        }
        for (Map.Entry<String, LoraPair> e : modules.entrySet()) {
            if (e.getValue().rank() != rank) {
                throw new IllegalArgumentException(
                        "module "
                                + e.getKey()
                                + " has rank "
                                + e.getValue().rank()
                                + " but the adapter's rank is "
                                + rank);
            }
        }
        this.modules = Collections.unmodifiableMap(new LinkedHashMap<>(modules));
        this.rank = rank;
        this.alpha = alpha;
        this.targetModules = List.copyOf(targetModules);
        this.modulesToSave =
                Collections.unmodifiableMap(
                        new LinkedHashMap<>(Objects.requireNonNull(modulesToSave)));
    }

    /** Module name → pair, in order. Unmodifiable. */
    public Map<String, LoraPair> modules() {
        return modules;
    }

    public LoraPair module(String name) {
        LoraPair pair = modules.get(name);
        if (pair == null) {
            throw new IllegalArgumentException("adapter has no module " + name);
        }
        return pair;
    }

    public int rank() {
        return rank;
    }

    public double alpha() {
        return alpha;
    }

    /** {@code alpha / rank}: the factor in {@code ΔW = scale · B · A}. */
    public double scale() {
        return alpha / rank;
    }

    public List<String> targetModules() {
        return targetModules;
    }

    /** Name → tensor of the fully trained modules saved with the adapter. Unmodifiable. */
    public Map<String, INDArray> modulesToSave() {
        return modulesToSave;
    }

    @Override
    public String toString() {
        return "Adapter[r="
                + rank
                + ", alpha="
                + alpha
                + ", modules="
                + modules.size()
                + ", modulesToSave="
                + modulesToSave.keySet()
                + "]";
    }
}
