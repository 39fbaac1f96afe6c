package io.fedlora.nn;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The trunk every fedlora transformer shares: {@code depth} pre-LN blocks named {@code blocks.i}
 * followed by a final LayerNorm named {@code norm}, on token-major activations {@code [batch·seq,
 * dim]}. Models add their own embedding in front and head behind.
 */
public final class TransformerStack {

    private final List<TransformerBlock> blocks = new ArrayList<>();
    private final LayerNorm norm;

    /**
     * @param hidden width of each block's MLP
     * @param causal whether attention masks future tokens (decoders)
     */
    public TransformerStack(
            WeightSource source, int depth, int dim, int heads, int hidden, boolean causal) {
        for (int i = 0; i < depth; i++) {
            blocks.add(new TransformerBlock("blocks." + i, source, dim, heads, hidden, causal));
        }
        norm = new LayerNorm("norm", source, dim);
    }

    public INDArray forward(INDArray x, Pass pass) {
        for (TransformerBlock b : blocks) {
            x = b.forward(x, pass);
        }
        return norm.forward(x, pass);
    }

    /** Gradient of the input from the gradient of the output, after a training forward. */
    public INDArray backward(INDArray dy) {
        INDArray dx = norm.backward(dy);
        for (int i = blocks.size() - 1; i >= 0; i--) {
            dx = blocks.get(i).backward(dx);
        }
        return dx;
    }

    /** The linear modules of every block, in order (LoRA targets). */
    public List<LoraLinear> linears() {
        List<LoraLinear> ls = new ArrayList<>();
        blocks.forEach(b -> ls.addAll(b.linears()));
        return ls;
    }

    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>();
        blocks.forEach(b -> ps.addAll(b.parameters()));
        ps.addAll(norm.parameters());
        return ps;
    }
}
