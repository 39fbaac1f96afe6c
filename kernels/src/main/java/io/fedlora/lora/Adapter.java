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

    /** Names, shapes, rank and alpha of this adapter, without its numbers. */
    public AdapterLayout layout() {
        return AdapterLayout.of(this);
    }

    /** The dense update {@code scale() · B · A} of one module, {@code out × in}. */
    public INDArray deltaW(String module) {
        return module(module).deltaW(scale());
    }

    /**
     * Every tensor (factors and saved modules) multiplied by {@code c}. Note that each module's
     * {@code ΔW} is multiplied by {@code c²}.
     */
    public Adapter scale(double c) {
        return AdapterSums.weightedSum(List.of(this), new double[] {c});
    }

    /**
     * Element-wise sum of every tensor with {@code other}'s; the layouts must match.
     *
     * @throws IllegalArgumentException naming the module when they do not
     */
    public Adapter plus(Adapter other) {
        return AdapterSums.weightedSum(List.of(this, other), new double[] {1, 1});
    }

    /**
     * The first {@code k} rank components of every module (nested ranks, HetLoRA's per-client
     * truncation). Alpha becomes {@code alpha·k/r} so that the scale {@code alpha/r} is unchanged
     * and each module's {@code ΔW} is exactly the sum of its first k components {@code
     * scale·b_j·a_jᵀ}. Saved modules are kept as they are.
     */
    public Adapter truncate(int k) {
        if (k < 1 || k > rank) {
            throw new IllegalArgumentException(
                    "cannot truncate a rank-" + rank + " adapter to rank " + k);
        }
        Map<String, LoraPair> truncated = new LinkedHashMap<>();
        modules.forEach((name, pair) -> truncated.put(name, pair.truncate(k)));
        return new Adapter(truncated, k, alpha * k / rank, targetModules, modulesToSave);
    }

    /**
     * Every module grown to rank {@code k ≥ r} with zero components. Alpha becomes {@code
     * alpha·k/r}, keeping the scale, so every module's {@code ΔW} is unchanged.
     */
    public Adapter zeroPad(int k) {
        if (k < rank) {
            throw new IllegalArgumentException(
                    "cannot zero-pad a rank-" + rank + " adapter to the smaller rank " + k);
        }
        Map<String, LoraPair> padded = new LinkedHashMap<>();
        modules.forEach((name, pair) -> padded.put(name, pair.zeroPad(k)));
        return new Adapter(padded, k, alpha * k / rank, targetModules, modulesToSave);
    }

    /** Frobenius norms of every module's factors and update, and of the whole adapter. */
    public AdapterNorms norms() {
        return AdapterNorms.of(this);
    }

    /** True when no factor and no saved tensor holds a NaN or an infinity. */
    public boolean allFinite() {
        for (LoraPair pair : modules.values()) {
            if (!pair.allFinite()) {
                return false;
            }
        }
        for (INDArray saved : modulesToSave.values()) {
            if (!Tensors.allFinite(saved)) {
                return false;
            }
        }
        return true;
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
