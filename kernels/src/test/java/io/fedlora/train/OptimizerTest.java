package io.fedlora.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.fedlora.nn.Parameter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** The optimisers' first updates against the formulas, worked out element by element. */
class OptimizerTest {

    private static final double[][] GRADS = {{0.5, -1.0}, {0.25, 2.0}, {-0.75, 0.1}};

    @Test
    void shouldMatchAdamWFormulaForThreeSteps() {
        double lr = 0.1, b1 = 0.9, b2 = 0.99, eps = 1e-8, wd = 0.01;
        Parameter p = new Parameter("p", Nd4j.create(new double[] {1.0, -2.0}), true);
        AdamW adam = new AdamW(lr, b1, b2, eps, wd);
        double[] theta = {1.0, -2.0};
        double[] m = new double[2];
        double[] v = new double[2];
        for (int t = 1; t <= 3; t++) {
            double[] g = GRADS[t - 1];
            p.grad().assign(Nd4j.create(g));
            adam.step(List.of(p));
            for (int i = 0; i < 2; i++) {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                theta[i] *= 1 - lr * wd;
                double mHat = m[i] / (1 - Math.pow(b1, t));
                double vHat = v[i] / (1 - Math.pow(b2, t));
                theta[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
            }
            assertArrayEquals(theta, p.value().data().asDouble(), 1e-12, "step " + t);
        }
    }

    @Test
    void shouldMatchSgdWithMomentumAndWeightDecayForThreeSteps() {
        double lr = 0.2, mu = 0.9, wd = 0.05;
        Parameter p = new Parameter("p", Nd4j.create(new double[] {1.0, -2.0}), true);
        Sgd sgd = new Sgd(lr, mu, wd);
        double[] theta = {1.0, -2.0};
        double[] buf = null;
        for (int t = 1; t <= 3; t++) {
            double[] g = GRADS[t - 1];
            p.grad().assign(Nd4j.create(g));
            sgd.step(List.of(p));
            double[] d = new double[2];
            for (int i = 0; i < 2; i++) {
                d[i] = g[i] + wd * theta[i];
            }
            if (buf == null) {
                buf = d;
            } else {
                for (int i = 0; i < 2; i++) {
                    buf[i] = mu * buf[i] + d[i];
                }
            }
            for (int i = 0; i < 2; i++) {
                theta[i] -= lr * buf[i];
            }
            assertArrayEquals(theta, p.value().data().asDouble(), 1e-12, "step " + t);
        }
    }
}
