package io.fedlora.model;

import io.fedlora.data.Batch;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import io.fedlora.nn.EvalStats;
import io.fedlora.nn.LoraLinear;
import io.fedlora.nn.Parameter;
import io.fedlora.nn.Pass;
import io.fedlora.nn.SoftmaxCrossEntropy;
import io.fedlora.nn.TrainableModel;
import io.fedlora.nn.WeightSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The part every fedlora model shares: its linear modules by dotted name, LoRA injection by
 * target-module names, {@code modules_to_save}, adapter export and load, the base state, and the
 * cross-entropy training step. Subclasses build their layers from a {@link WeightSource} and
 * implement the forward pass to logits and its backward pass.
 *
 * <p>Base weights come from the source as they are: a model built over a shared base state never
 * copies it and never writes into it during LoRA fine-tuning ({@code modules_to_save} train on
 * private copies). Full training and merging write into the base, so they are refused on a shared
 * base.
 *
 * <p>A model caches activations between its forward and backward passes, so one instance serves one
 * thread at a time; concurrent clients each build their own model over the shared base.
 */
public abstract class AdaptableModel implements TrainableModel {

    private final boolean ownsBase;
    private final Map<String, INDArray> baseState;
    private final Map<String, LoraLinear> linears = new LinkedHashMap<>();
    private LoraConfig lora;

    protected AdaptableModel(WeightSource source) {
        this.ownsBase = !source.isShared();
        this.baseState = Collections.unmodifiableMap(source.handedOut());
    }

    /** Called by subclass constructors once their layers exist. */
    protected final void registerLinears(List<LoraLinear> modules) {
        for (LoraLinear l : modules) {
            if (linears.put(l.name(), l) != null) {
                throw new IllegalStateException("duplicate module name " + l.name());
            }
        }
    }

    /** Logits {@code [predictions, classes]} for a batch's inputs. */
    protected abstract INDArray forward(INDArray inputs, Pass pass);

    /** Backward from the gradient of the logits, after a training {@link #forward}. */
    protected abstract void backward(INDArray dLogits);

    /** Every parameter in model order, LoRA factors right after their base weights. */
    protected abstract List<Parameter> collectParameters();

    @Override
    public final List<Parameter> parameters() {
        return collectParameters();
    }

    @Override
    public double forwardBackward(Batch batch, Random rng) {
        // Gradients outlive the step, so they must exist before the step's workspace opens.
        for (Parameter p : parameters()) {
            if (p.trainable()) {
                p.grad();
            }
        }
        try (MemoryWorkspace ws = openStepWorkspace(TRAIN_WORKSPACE)) {
            INDArray logits = forward(batch.inputs(), Pass.train(batch.size(), rng));
            SoftmaxCrossEntropy.Result r =
                    SoftmaxCrossEntropy.compute(logits, batch.targets(), true);
            backward(r.gradient());
            return r.meanLoss();
        }
    }

    @Override
    public EvalStats evaluate(Batch batch) {
        try (MemoryWorkspace ws = openStepWorkspace(EVAL_WORKSPACE)) {
            INDArray logits = forward(batch.inputs(), Pass.eval(batch.size()));
            SoftmaxCrossEntropy.Result r =
                    SoftmaxCrossEntropy.compute(logits, batch.targets(), false);
            return new EvalStats(r.lossSum(), r.correct(), batch.targets().length);
        }
    }

    /**
     * Every activation of a step lives only during the step. Allocating them in a workspace that is
     * reused from step to step avoids ND4J's per-array allocation and deallocation cost, which for
     * these small models is larger than the arithmetic. The workspace takes the size of the first
     * step on its thread; a later, larger batch allocates its excess normally (so one huge
     * evaluation batch does not pin its memory). Training and evaluation have their own, as their
     * batch sizes differ. Workspaces are per thread, so concurrent clients never share one.
     */
    private static MemoryWorkspace openStepWorkspace(String id) {
        return Nd4j.getWorkspaceManager().getAndActivateWorkspace(STEP_WORKSPACE, id);
    }

    private static final String TRAIN_WORKSPACE = "fedlora-train-step";
    private static final String EVAL_WORKSPACE = "fedlora-eval-step";

    private static final WorkspaceConfiguration STEP_WORKSPACE =
            WorkspaceConfiguration.builder()
                    .initialSize(0)
                    .policyLearning(LearningPolicy.FIRST_LOOP)
                    .policyAllocation(AllocationPolicy.OVERALLOCATE)
                    .overallocationLimit(0.25)
                    .policyReset(ResetPolicy.BLOCK_LEFT)
                    .policySpill(SpillPolicy.EXTERNAL)
                    .build();

    /** Linear modules by dotted name, in model order. Unmodifiable. */
    public Map<String, LoraLinear> linears() {
        return Collections.unmodifiableMap(linears);
    }

    /**
     * The base tensors by name (no LoRA factors, no {@code modules_to_save} copies): the live
     * arrays, so {@code dup()} them for a checkpoint taken while training goes on. Unmodifiable.
     */
    public Map<String, INDArray> baseState() {
        return baseState;
    }

    /** Copies {@code state} into this model's own base tensors (resuming pre-training). */
    public void loadBaseState(Map<String, INDArray> state) {
        requireOwnedBase("load a base state");
        if (!state.keySet().equals(baseState.keySet())) {
            throw new IllegalArgumentException(
                    "base state names differ: expected "
                            + baseState.keySet()
                            + ", got "
                            + state.keySet());
        }
        for (Parameter p : parameters()) {
            INDArray src = state.get(p.name());
            if (src != null) {
                p.assign(src);
            }
        }
    }

    /** The LoRA configuration in force, or null before {@link #enableLora}. */
    public LoraConfig loraConfig() {
        return lora;
    }

    /**
     * Injects LoRA into every linear module matching {@code config.targetModules()}, makes {@code
     * modules_to_save} trainable on private copies, and freezes everything else.
     *
     * @param rng draws the A factors (Kaiming-uniform); B starts at zero
     * @throws IllegalArgumentException if a target or module to save matches no module
     */
    public void enableLora(LoraConfig config, Random rng) {
        if (lora != null) {
            throw new IllegalStateException("LoRA is already enabled");
        }
        List<LoraLinear> targets = matching(config.targetModules(), "target module");
        List<LoraLinear> saved = matching(config.modulesToSave(), "module to save");
        for (LoraLinear l : targets) {
            if (saved.contains(l)) {
                throw new IllegalArgumentException(
                        "module " + l.name() + " is both a LoRA target and a module to save");
            }
        }
        for (Parameter p : parameters()) {
            p.setTrainable(false);
        }
        for (LoraLinear l : targets) {
            l.enableLora(config.rank(), config.alpha(), config.dropout(), rng);
        }
        for (LoraLinear l : saved) {
            l.trainOnPrivateCopy();
        }
        lora = config;
    }

    /** Makes every parameter trainable (base pre-training); requires an owned base. */
    public void enableFullTraining() {
        requireOwnedBase("train the base weights");
        for (Parameter p : parameters()) {
            p.setTrainable(true);
        }
    }

    @Override
    public void setActiveRank(int b) {
        for (LoraLinear l : adapted()) {
            l.setActiveRank(b);
        }
    }

    @Override
    public Adapter exportAdapter() {
        LoraConfig cfg = requireLora();
        Map<String, LoraPair> pairs = new LinkedHashMap<>();
        for (LoraLinear l : adapted()) {
            pairs.put(l.name(), new LoraPair(l.loraA().value().dup(), l.loraB().value().dup()));
        }
        Map<String, INDArray> saved = new LinkedHashMap<>();
        for (Parameter p : savedParameters(cfg)) {
            saved.put(p.name(), p.value().dup());
        }
        return new Adapter(pairs, cfg.rank(), cfg.alpha(), cfg.targetModules(), saved);
    }

    @Override
    public void loadAdapter(Adapter adapter) {
        LoraConfig cfg = requireLora();
        if (adapter.rank() != cfg.rank()) {
            throw new IllegalArgumentException(
                    "adapter rank " + adapter.rank() + " differs from the model's " + cfg.rank());
        }
        if (Math.abs(adapter.alpha() - cfg.alpha()) > 1e-9 * cfg.alpha()) {
            throw new IllegalArgumentException(
                    "adapter lora_alpha "
                            + adapter.alpha()
                            + " differs from the model's "
                            + cfg.alpha());
        }
        List<LoraLinear> adapted = adapted();
        Set<String> expected = new java.util.LinkedHashSet<>();
        adapted.forEach(l -> expected.add(l.name()));
        if (!adapter.modules().keySet().equals(expected)) {
            throw new IllegalArgumentException(
                    "adapter modules "
                            + adapter.modules().keySet()
                            + " differ from the model's "
                            + expected);
        }
        List<Parameter> saved = savedParameters(cfg);
        Set<String> savedNames = new java.util.LinkedHashSet<>();
        saved.forEach(p -> savedNames.add(p.name()));
        if (!adapter.modulesToSave().keySet().equals(savedNames)) {
            throw new IllegalArgumentException(
                    "adapter modules_to_save "
                            + adapter.modulesToSave().keySet()
                            + " differ from the model's "
                            + savedNames);
        }
        // Check every shape before writing anything, so a bad adapter leaves the model unchanged.
        for (LoraLinear l : adapted) {
            LoraPair pair = adapter.module(l.name());
            requireShape(l.loraA(), pair.a());
            requireShape(l.loraB(), pair.b());
        }
        for (Parameter p : saved) {
            requireShape(p, adapter.modulesToSave().get(p.name()));
        }
        for (LoraLinear l : adapted) {
            LoraPair pair = adapter.module(l.name());
            l.loraA().assign(pair.a());
            l.loraB().assign(pair.b());
        }
        for (Parameter p : saved) {
            p.assign(adapter.modulesToSave().get(p.name()));
        }
    }

    /** Folds every adapter into its base weight (inference); requires an owned base. */
    public void mergeAdapter() {
        requireOwnedBase("merge the adapter into the base weights");
        adapted().forEach(LoraLinear::merge);
    }

    /** Undoes {@link #mergeAdapter()}. */
    public void unmergeAdapter() {
        adapted().forEach(LoraLinear::unmerge);
    }

    /** The linear modules that carry LoRA, in model order. */
    public List<LoraLinear> adapted() {
        List<LoraLinear> out = new ArrayList<>();
        for (LoraLinear l : linears.values()) {
            if (l.hasLora()) {
                out.add(l);
            }
        }
        return out;
    }

    private List<Parameter> savedParameters(LoraConfig cfg) {
        List<Parameter> ps = new ArrayList<>();
        for (LoraLinear l : matching(cfg.modulesToSave(), "module to save")) {
            ps.add(l.weight());
            if (l.bias() != null) {
                ps.add(l.bias());
            }
        }
        return ps;
    }

    private List<LoraLinear> matching(List<String> names, String what) {
        List<LoraLinear> out = new ArrayList<>();
        for (String t : names) {
            boolean any = false;
            for (LoraLinear l : linears.values()) {
                if (LoraConfig.matches(l.name(), t)) {
                    any = true;
                    if (!out.contains(l)) {
                        out.add(l);
                    }
                }
            }
            if (!any) {
                throw new IllegalArgumentException(
                        what
                                + " '"
                                + t
                                + "' matches no linear module; modules are "
                                + linears.keySet());
            }
        }
        // keep model order, whatever the order of the names
        out.sort(java.util.Comparator.comparingInt(l -> indexOf(l.name())));
        return out;
    }

    private int indexOf(String name) {
        int i = 0;
        for (String n : linears.keySet()) {
            if (n.equals(name)) {
                return i;
            }
            i++;
        }
        return -1;
    }

    private static void requireShape(Parameter p, INDArray a) {
        if (!java.util.Arrays.equals(p.value().shape(), a.shape())) {
            throw new IllegalArgumentException(
                    p.name()
                            + " has shape "
                            + java.util.Arrays.toString(p.value().shape())
                            + ", adapter holds "
                            + java.util.Arrays.toString(a.shape()));
        }
    }

    private LoraConfig requireLora() {
        if (lora == null) {
            throw new IllegalStateException("model has no LoRA adapter: call enableLora first");
        }
        return lora;
    }

    private void requireOwnedBase(String what) {
        if (!ownsBase) {
            throw new IllegalStateException(
                    "cannot " + what + ": this model is built over a shared base state");
        }
    }
}
