package io.fedlora.nn;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A pre-LN transformer block: {@code h = x + attn(ln1(x))}, {@code y = h + mlp(ln2(h))}. Modules
 * are named {@code <name>.ln1}, {@code .attn}, {@code .ln2}, {@code .mlp}. Activations {@code
 * [batch·seq, dim]}.
 */
public final class TransformerBlock {

    private final LayerNorm ln1;
    private final MultiHeadAttention attn;
    private final LayerNorm ln2;
    private final Mlp mlp;

    public TransformerBlock(
            String name, WeightSource source, int dim, int heads, int mlpHidden, boolean causal) {
        this.ln1 = new LayerNorm(name + ".ln1", source, dim);
        this.attn = new MultiHeadAttention(name + ".attn", source, dim, heads, causal);
        this.ln2 = new LayerNorm(name + ".ln2", source, dim);
        this.mlp = new Mlp(name + ".mlp", source, dim, mlpHidden);
    }

    public List<LoraLinear> linears() {
        List<LoraLinear> ls = new ArrayList<>(attn.linears());
        ls.addAll(mlp.linears());
        return ls;
    }

    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>(ln1.parameters());
        ps.addAll(attn.parameters());
        ps.addAll(ln2.parameters());
        ps.addAll(mlp.parameters());
        return ps;
    }

    public INDArray forward(INDArray x, Pass pass) {
        INDArray h = attn.forward(ln1.forward(x, pass), pass).addi(x);
        return mlp.forward(ln2.forward(h, pass), pass).addi(h);
    }

    public INDArray backward(INDArray dy) {
        INDArray dh = ln2.backward(mlp.backward(dy)).addi(dy);
        return ln1.backward(attn.backward(dh)).addi(dh);
    }
}
