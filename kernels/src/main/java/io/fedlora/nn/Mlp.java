package io.fedlora.nn;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The transformer feed-forward {@code fc2(GELU(fc1(x)))}: {@code [n, dim] → [n, hidden] → [n,
 * dim]}.
 */
public final class Mlp {

    private final LoraLinear fc1;
    private final LoraLinear fc2;
    private final Gelu gelu = new Gelu();

    public Mlp(String name, WeightSource source, int dim, int hidden) {
        this.fc1 = LoraLinear.create(name + ".fc1", source, dim, hidden, true);
        this.fc2 = LoraLinear.create(name + ".fc2", source, hidden, dim, true);
    }

    public List<LoraLinear> linears() {
        return List.of(fc1, fc2);
    }

    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>(fc1.parameters());
        ps.addAll(fc2.parameters());
        return ps;
    }

    public INDArray forward(INDArray x, Pass pass) {
        return fc2.forward(gelu.forward(fc1.forward(x, pass), pass), pass);
    }

    public INDArray backward(INDArray dy) {
        return fc1.backward(gelu.backward(fc2.backward(dy)));
    }
}
