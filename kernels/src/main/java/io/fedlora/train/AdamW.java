package io.fedlora.train;

import io.fedlora.nn.Parameter;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adam with decoupled weight decay, as PyTorch's {@code AdamW}: with {@code t} the step count,
 * {@code m ← β₁m + (1−β₁)g}, {@code v ← β₂v + (1−β₂)g²}, {@code θ ← θ·(1 − lr·wd)}, then {@code θ ←
 * θ − (lr / (1−β₁ᵗ))·m / (√v / √(1−β₂ᵗ) + ε)}.
 */
public final class AdamW implements Optimizer {

    private final double lr;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final Map<Parameter, INDArray[]> moments = new IdentityHashMap<>();
    private int t;

    public AdamW(double lr, double beta1, double beta2, double eps, double weightDecay) {
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    @Override
    public void step(List<Parameter> params) {
        t++;
        double stepSize = lr / (1 - Math.pow(beta1, t));
        double sqrtBias2 = Math.sqrt(1 - Math.pow(beta2, t));
        for (Parameter p : params) {
            INDArray theta = p.value();
            INDArray g = p.grad();
            INDArray[] mv =
                    moments.computeIfAbsent(
                            p,
                            k ->
                                    new INDArray[] {
                                        Nd4j.zeros(theta.dataType(), theta.shape()),
                                        Nd4j.zeros(theta.dataType(), theta.shape())
                                    });
            INDArray m = mv[0].muli(beta1).addi(g.mul(1 - beta1));
            INDArray v = mv[1].muli(beta2).addi(g.mul(g).muli(1 - beta2));
            if (weightDecay != 0) {
                theta.muli(1 - lr * weightDecay);
            }
            INDArray denom = Transforms.sqrt(v, true).divi(sqrtBias2).addi(eps);
            theta.subi(m.div(denom).muli(stepSize));
        }
    }
}
