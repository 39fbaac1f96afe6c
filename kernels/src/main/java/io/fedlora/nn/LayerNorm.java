package io.fedlora.nn;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Layer normalisation over the last dimension of {@code [n, dim]}: {@code y = (x − μ)/√(σ² + ε) · γ
 * + β}, with {@code σ²} the biased variance. Parameters {@code <name>.weight} (γ) and {@code
 * <name>.bias} (β), both {@code [1, dim]}.
 */
public final class LayerNorm {

    private static final double EPS = 1e-5;

    private final Parameter gamma;
    private final Parameter beta;
    private INDArray normalised;
    private INDArray invStd;

    public LayerNorm(String name, WeightSource source, int dim) {
        this.gamma =
                new Parameter(
                        name + ".weight",
                        source.tensor(name + ".weight", WeightSource.Init.ONES, 1, dim),
                        false);
        this.beta =
                new Parameter(
                        name + ".bias",
                        source.tensor(name + ".bias", WeightSource.Init.ZEROS, 1, dim),
                        false);
    }

    public List<Parameter> parameters() {
        return List.of(gamma, beta);
    }

    public INDArray forward(INDArray x, Pass pass) {
        INDArray mean = x.mean(true, 1);
        INDArray centred = x.subColumnVector(mean);
        INDArray var = centred.mul(centred).mean(true, 1);
        INDArray inv = Transforms.pow(var.addi(EPS), -0.5, false);
        INDArray xhat = centred.muliColumnVector(inv);
        if (pass.training()) {
            normalised = xhat;
            invStd = inv;
        }
        return xhat.mulRowVector(gamma.value()).addiRowVector(beta.value());
    }

    /** Gradient of the input; adds γ and β gradients when they are trainable. */
    public INDArray backward(INDArray dy) {
        if (gamma.trainable()) {
            gamma.grad().addi(dy.mul(normalised).sum(true, 0));
        }
        if (beta.trainable()) {
            beta.grad().addi(dy.sum(true, 0));
        }
        // dx = invStd · (g − mean(g) − x̂·mean(g·x̂)) with g = dy·γ, means over the row.
        INDArray g = dy.mulRowVector(gamma.value());
        INDArray meanG = g.mean(true, 1);
        INDArray meanGx = g.mul(normalised).mean(true, 1);
        INDArray dx = g.subiColumnVector(meanG).subi(normalised.mulColumnVector(meanGx));
        dx.muliColumnVector(invStd);
        normalised = null;
        invStd = null;
        return dx;
    }
}
