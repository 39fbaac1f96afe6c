package io.fedlora.nn;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Multi-head self-attention with projections {@code <name>.q}, {@code .k}, {@code .v}, {@code .o}
 * (each a {@link LoraLinear} of {@code dim × dim} with bias) and an optional causal mask.
 *
 * <p>Input and output are token-major {@code [batch·seq, dim]}. Heads are computed as one batched
 * matrix product over {@code [batch·heads, seq, dh]} with {@code dh = dim / heads}.
 */
public final class MultiHeadAttention {

    private final LoraLinear q;
    private final LoraLinear k;
    private final LoraLinear v;
    private final LoraLinear o;
    private final int dim;
    private final int heads;
    private final boolean causal;

    // Cached by a training forward: per-head Q, K, V [bh, seq, dh] and probabilities [bh, seq,
    // seq].
    private INDArray qh;
    private INDArray kh;
    private INDArray vh;
    private INDArray probs;
    private int batch;
    private int seq;

    // Additive causal mask [1, seq·seq] of the last sequence length seen.
    private INDArray mask;

    public MultiHeadAttention(
            String name, WeightSource source, int dim, int heads, boolean causal) {
        if (heads <= 0 || dim % heads != 0) {
            throw new IllegalArgumentException(
                    name + ": dim " + dim + " is not divisible by heads " + heads);
        }
        this.q = LoraLinear.create(name + ".q", source, dim, dim, true);
        this.k = LoraLinear.create(name + ".k", source, dim, dim, true);
        this.v = LoraLinear.create(name + ".v", source, dim, dim, true);
        this.o = LoraLinear.create(name + ".o", source, dim, dim, true);
        this.dim = dim;
        this.heads = heads;
        this.causal = causal;
    }

    /** The four projections q, k, v, o. */
    public List<LoraLinear> linears() {
        return List.of(q, k, v, o);
    }

    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>();
        for (LoraLinear l : linears()) {
            ps.addAll(l.parameters());
        }
        return ps;
    }

    public INDArray forward(INDArray x, Pass pass) {
        int b = pass.batch();
        int s = (int) (x.rows() / b);
        if ((long) b * s != x.rows()) {
            throw new IllegalArgumentException(
                    "attention input has " + x.rows() + " rows, not a multiple of batch " + b);
        }
        INDArray qs = toHeads(q.forward(x, pass), b, s);
        INDArray ks = toHeads(k.forward(x, pass), b, s);
        INDArray vs = toHeads(v.forward(x, pass), b, s);
        int dh = dim / heads;
        INDArray scores = Nd4j.matmul(qs, ks, false, true, false).muli(1 / Math.sqrt(dh));
        INDArray p = softmaxLastDim(scores, s);
        INDArray ctx = Nd4j.matmul(p, vs);
        if (pass.training()) {
            qh = qs;
            kh = ks;
            vh = vs;
            probs = p;
            batch = b;
            seq = s;
        }
        return o.forward(fromHeads(ctx, b, s), pass);
    }

    public INDArray backward(INDArray dy) {
        int b = batch;
        int s = seq;
        double inv = 1 / Math.sqrt(dim / heads);
        INDArray dctx = toHeads(o.backward(dy), b, s);
        INDArray dv = Nd4j.matmul(probs, dctx, true, false, false);
        INDArray dp = Nd4j.matmul(dctx, vh, false, true, false);
        // Softmax backward per row: dS = P ⊙ (dP − Σ_j dP⊙P). Masked entries have P = 0.
        INDArray p2 = probs.reshape(probs.length() / s, s);
        INDArray dp2 = dp.reshape(dp.length() / s, s);
        INDArray rowDot = dp2.mul(p2).sum(true, 1);
        INDArray ds = dp2.subiColumnVector(rowDot).muli(p2).muli(inv).reshape(b * heads, s, s);
        INDArray dq = Nd4j.matmul(ds, kh);
        INDArray dk = Nd4j.matmul(ds, qh, true, false, false);
        INDArray dx = q.backward(fromHeads(dq, b, s));
        dx.addi(k.backward(fromHeads(dk, b, s)));
        dx.addi(v.backward(fromHeads(dv, b, s)));
        qh = null;
        kh = null;
        vh = null;
        probs = null;
        return dx;
    }

    /** {@code [b·s, dim] → [b·heads, s, dh]}. */
    private INDArray toHeads(INDArray x, int b, int s) {
        return x.reshape(b, s, heads, dim / heads)
                .permute(0, 2, 1, 3)
                .dup('c')
                .reshape(b * heads, s, dim / heads);
    }

    /** {@code [b·heads, s, dh] → [b·s, dim]}. */
    private INDArray fromHeads(INDArray x, int b, int s) {
        return x.reshape(b, heads, s, dim / heads).permute(0, 2, 1, 3).dup('c').reshape(b * s, dim);
    }

    private INDArray softmaxLastDim(INDArray scores, int s) {
        INDArray rows = scores.reshape(scores.length() / s, s);
        if (causal) {
            // Row i of each [s, s] block may attend to columns ≤ i only; the additive mask is the
            // same
            // for every block, so apply it to the [blocks, s·s] view as one row-vector broadcast.
            INDArray blocks = scores.reshape(scores.length() / ((long) s * s), (long) s * s);
            blocks.addiRowVector(causalMask(s, scores));
        }
        INDArray shifted = rows.subiColumnVector(rows.max(true, 1));
        INDArray e = Transforms.exp(shifted, false);
        e.diviColumnVector(e.sum(true, 1));
        return e.reshape(scores.shape());
    }

    private INDArray causalMask(int s, INDArray like) {
        if (mask != null && mask.columns() == (long) s * s && mask.dataType() == like.dataType()) {
            return mask;
        }
        float[] m = new float[s * s];
        for (int i = 0; i < s; i++) {
            for (int j = i + 1; j < s; j++) {
                m[i * s + j] = -1e9f;
            }
        }
        // Kept across steps, so it must not live in a step's workspace.
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            mask = Nd4j.create(m, new long[] {1, (long) s * s}).castTo(like.dataType());
        }
        return mask;
    }
}
