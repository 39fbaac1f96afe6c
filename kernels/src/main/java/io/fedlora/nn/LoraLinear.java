package io.fedlora.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A linear layer {@code y = x·Wᵀ + b}, optionally carrying a LoRA adapter in HF PEFT's layout:
 * {@code y = x·Wᵀ + b + s·(drop(x)·Aᵀ)·Bᵀ} with {@code s = alpha / r}, {@code A} of shape {@code r
 * × in}, {@code B} of shape {@code out × r}. Without LoRA it is a plain linear layer.
 *
 * <p>Shapes: input {@code [n, in]}, output {@code [n, out]}, {@code W} is {@code out × in}, the
 * bias {@code [1, out]}. Parameters are named {@code <name>.weight}, {@code <name>.bias}, {@code
 * <name>.lora_A}, {@code <name>.lora_B}.
 *
 * <p>Only the first {@link #activeRank()} rows of A and columns of B take part in the forward pass
 * and receive gradients (nested-rank training); the scale stays {@code alpha / r}.
 */
public final class LoraLinear {

    private final String name;
    private Parameter weight;
    private Parameter bias;
    private Parameter loraA;
    private Parameter loraB;
    private int rank;
    private double alpha;
    private double dropout;
    private int activeRank;
    private boolean merged;

    // Cached by a training forward pass for the backward pass.
    private INDArray input;
    private INDArray droppedInput;
    private INDArray dropMask;
    private INDArray loraHidden;

    /**
     * @param name dotted path of the module, e.g. {@code blocks.0.attn.q}
     * @param weight the base weight, {@code out × in}; used as is (may be shared with other models)
     * @param bias the base bias {@code [1, out]}, or null for none
     */
    public LoraLinear(String name, INDArray weight, INDArray bias) {
        this.name = Objects.requireNonNull(name);
        if (weight.rank() != 2) {
            throw new IllegalArgumentException(name + ".weight must be a matrix");
        }
        if (bias != null
                && (bias.rank() != 2 || bias.rows() != 1 || bias.columns() != weight.rows())) {
            throw new IllegalArgumentException(
                    name
                            + ".bias must be [1, "
                            + weight.rows()
                            + "], got "
                            + java.util.Arrays.toString(bias.shape()));
        }
        this.weight = new Parameter(name + ".weight", weight, false);
        this.bias = bias == null ? null : new Parameter(name + ".bias", bias, false);
    }

    /** Builds the layer from {@code source}: Xavier-uniform weight, zero bias. */
    public static LoraLinear create(
            String name, WeightSource source, int in, int out, boolean bias) {
        INDArray w = source.tensor(name + ".weight", WeightSource.Init.XAVIER_UNIFORM, out, in);
        INDArray b = bias ? source.tensor(name + ".bias", WeightSource.Init.ZEROS, 1, out) : null;
        return new LoraLinear(name, w, b);
    }

    public String name() {
        return name;
    }

    public int inFeatures() {
        return (int) weight.value().columns();
    }

    public int outFeatures() {
        return (int) weight.value().rows();
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias parameter, or null when the layer has none. */
    public Parameter bias() {
        return bias;
    }

    public boolean hasLora() {
        return loraA != null;
    }

    /** The LoRA factor A ({@code r × in}); null without LoRA. */
    public Parameter loraA() {
        return loraA;
    }

    /** The LoRA factor B ({@code out × r}); null without LoRA. */
    public Parameter loraB() {
        return loraB;
    }

    public int rank() {
        return rank;
    }

    public double alpha() {
        return alpha;
    }

    /** {@code alpha / r}. */
    public double scale() {
        return alpha / rank;
    }

    public int activeRank() {
        return activeRank;
    }

    /**
     * Adds a trainable LoRA adapter as PEFT does: A Kaiming-uniform with {@code a = √5} (bound
     * {@code 1/√in}), B zeros, so the layer's output is unchanged.
     *
     * @param dropout probability of zeroing an input of the LoRA path during training, in [0, 1)
     */
    public void enableLora(int r, double alpha, double dropout, Random rng) {
        if (r <= 0) {
            throw new IllegalArgumentException(name + ": LoRA rank must be positive, got " + r);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException(
                    name + ": lora_alpha must be positive, got " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException(
                    name + ": lora_dropout must be in [0, 1), got " + dropout);
        }
        if (merged) {
            throw new IllegalStateException(name + ": unmerge before replacing the adapter");
        }
        var type = weight.value().dataType();
        this.loraA = new Parameter(name + ".lora_A", initialA(r, inFeatures(), type, rng), true);
        this.loraB = new Parameter(name + ".lora_B", Nd4j.zeros(type, outFeatures(), r), true);
        this.rank = r;
        this.alpha = alpha;
        this.dropout = dropout;
        this.activeRank = r;
    }

    /**
     * A fresh {@code lora_A} ({@code r × in}) as PEFT initialises it: Kaiming-uniform with {@code a
     * = √5}, i.e. uniform in {@code ±1/√in}, drawn row by row from {@code rng}. Strategies that
     * restart the adapter every round (FLoRA) draw theirs here so that it matches a client's own.
     */
    public static INDArray initialA(int r, int in, DataType type, Random rng) {
        double bound = 1 / Math.sqrt(in);
        double[] a = new double[r * in];
        for (int i = 0; i < a.length; i++) {
            a[i] = (2 * rng.nextDouble() - 1) * bound;
        }
        return Nd4j.create(a, new long[] {r, in}, type);
    }

    /** Restricts the adapter to its first {@code b} components, {@code 1 ≤ b ≤ r}. */
    public void setActiveRank(int b) {
        requireLora();
        if (b < 1 || b > rank) {
            throw new IllegalArgumentException(
                    name + ": active rank must be in [1, " + rank + "], got " + b);
        }
        if (merged) {
            throw new IllegalStateException(name + ": cannot change the active rank while merged");
        }
        activeRank = b;
    }

    /**
     * Makes the layer fully trainable on a private copy of its base weight and bias (PEFT's {@code
     * modules_to_save}), so that training it never writes into a base shared with other models.
     */
    public void trainOnPrivateCopy() {
        if (merged) {
            throw new IllegalStateException(name + ": unmerge before training the base weights");
        }
        weight = new Parameter(weight.name(), weight.value().dup(), true);
        if (bias != null) {
            bias = new Parameter(bias.name(), bias.value().dup(), true);
        }
    }

    /** The parameters of this layer: weight, bias (if any), lora_A and lora_B (if any). */
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>(4);
        ps.add(weight);
        if (bias != null) {
            ps.add(bias);
        }
        if (loraA != null) {
            ps.add(loraA);
            ps.add(loraB);
        }
        return ps;
    }

    /** Forward pass, {@code [n, in] → [n, out]}. */
    public INDArray forward(INDArray x, Pass pass) {
        if (x.rank() != 2 || x.columns() != inFeatures()) {
            throw new IllegalArgumentException(
                    name
                            + " expects input [n, "
                            + inFeatures()
                            + "], got "
                            + java.util.Arrays.toString(x.shape()));
        }
        INDArray y = Nd4j.gemm(x, weight.value(), false, true);
        if (bias != null) {
            y.addiRowVector(bias.value());
        }
        if (pass.training()) {
            input = x;
        }
        if (loraA == null || merged) {
            return y;
        }
        INDArray xd = x;
        if (pass.training() && dropout > 0) {
            dropMask = dropoutMask(x, pass.rng());
            xd = x.mul(dropMask);
        } else {
            dropMask = null;
        }
        INDArray h = Nd4j.gemm(xd, activeA(), false, true);
        Nd4j.gemm(h, activeB(), y, false, true, scale(), 1.0);
        if (pass.training()) {
            droppedInput = xd;
            loraHidden = h;
        }
        return y;
    }

    /**
     * Backward pass for the last training forward: adds gradients into the trainable parameters and
     * returns the gradient of the input, {@code [n, in]}.
     */
    public INDArray backward(INDArray dy) {
        if (input == null) {
            throw new IllegalStateException(name + ": backward without a training forward");
        }
        if (weight.trainable()) {
            Nd4j.gemm(dy, input, weight.grad(), true, false, 1.0, 1.0);
        }
        if (bias != null && bias.trainable()) {
            bias.grad().addi(dy.sum(true, 0));
        }
        INDArray dx = Nd4j.gemm(dy, weight.value(), false, false);
        if (loraA != null && !merged) {
            double s = scale();
            INDArray a = activeA();
            INDArray dh = Nd4j.gemm(dy, activeB(), false, false).muli(s);
            if (loraB.trainable()) {
                INDArray gb = Nd4j.gemm(dy, loraHidden, true, false).muli(s);
                activeCols(loraB.grad()).addi(gb);
            }
            if (loraA.trainable()) {
                INDArray ga = Nd4j.gemm(dh, droppedInput, true, false);
                activeRows(loraA.grad()).addi(ga);
            }
            INDArray dxd = Nd4j.gemm(dh, a, false, false);
            if (dropMask != null) {
                dxd.muli(dropMask);
            }
            dx.addi(dxd);
        }
        input = null;
        droppedInput = null;
        loraHidden = null;
        dropMask = null;
        return dx;
    }

    /**
     * Folds the active adapter into the base weight, {@code W += s·B·A}, so that the forward pass
     * needs no LoRA path. This writes into W: only merge a model that owns its base weights.
     */
    public void merge() {
        requireLora();
        if (merged) {
            throw new IllegalStateException(name + " is already merged");
        }
        Nd4j.gemm(activeB(), activeA(), weight.value(), false, false, scale(), 1.0);
        merged = true;
    }

    /** Undoes {@link #merge()}: {@code W -= s·B·A}. */
    public void unmerge() {
        requireLora();
        if (!merged) {
            throw new IllegalStateException(name + " is not merged");
        }
        Nd4j.gemm(activeB(), activeA(), weight.value(), false, false, -scale(), 1.0);
        merged = false;
    }

    public boolean isMerged() {
        return merged;
    }

    private INDArray activeA() {
        return activeRank == rank ? loraA.value() : activeRows(loraA.value());
    }

    private INDArray activeB() {
        // gemm needs a plain buffer; the column slice of B is strided, so copy it (out × b: small).
        return activeRank == rank ? loraB.value() : activeCols(loraB.value()).dup();
    }

    private INDArray activeRows(INDArray a) {
        return activeRank == rank
                ? a
                : a.get(NDArrayIndex.interval(0, activeRank), NDArrayIndex.all());
    }

    private INDArray activeCols(INDArray b) {
        return activeRank == rank
                ? b
                : b.get(NDArrayIndex.all(), NDArrayIndex.interval(0, activeRank));
    }

    private INDArray dropoutMask(INDArray x, Random rng) {
        // Inverted dropout: kept inputs are scaled by 1/(1-p) so the expectation is unchanged.
        float keep = (float) (1 / (1 - dropout));
        float[] m = new float[(int) x.length()];
        for (int i = 0; i < m.length; i++) {
            m[i] = rng.nextDouble() < dropout ? 0f : keep;
        }
        return Nd4j.create(m, x.shape()).castTo(x.dataType());
    }

    private void requireLora() {
        if (loraA == null) {
            throw new IllegalStateException(name + " has no LoRA adapter");
        }
    }
}
