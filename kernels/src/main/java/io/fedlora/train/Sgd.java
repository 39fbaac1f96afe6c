package io.fedlora.train;

import io.fedlora.nn.Parameter;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Stochastic gradient descent as PyTorch's {@code SGD}: {@code g ← g + wd·θ}; with momentum {@code
 * μ > 0}, {@code buf ← μ·buf + g} (the first step sets {@code buf = g}) and {@code g ← buf}; then
 * {@code θ ← θ − lr·g}.
 */
public final class Sgd implements Optimizer {

    private final double lr;
    private final double momentum;
    private final double weightDecay;
    private final Map<Parameter, INDArray> buffers = new IdentityHashMap<>();

    public Sgd(double lr, double momentum, double weightDecay) {
        this.lr = lr;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
    }

    @Override
    public void step(List<Parameter> params) {
        for (Parameter p : params) {
            INDArray theta = p.value();
            INDArray g = weightDecay == 0 ? p.grad() : p.grad().add(theta.mul(weightDecay));
            if (momentum != 0) {
                INDArray buf = buffers.get(p);
                if (buf == null) {
                    buffers.put(p, g.dup());
                } else {
                    g = buf.muli(momentum).addi(g);
                }
                g = buffers.get(p);
            }
            theta.subi(g.mul(lr));
        }
    }
}
