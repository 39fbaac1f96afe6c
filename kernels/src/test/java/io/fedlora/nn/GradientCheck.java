package io.fedlora.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.DoubleSupplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Central finite differences against analytic gradients, on DOUBLE arrays. */
public final class GradientCheck {

    private static final double EPS = 1e-6;

    /** Largest accepted |analytic − numeric| / max(|analytic| + |numeric|, 1e-6). */
    public static final double TOLERANCE = 1e-5;

    /**
     * Differences below this are rounding noise of the difference quotient (about ulp(loss)/EPS),
     * e.g. for gradients that are exactly zero such as the key bias under softmax.
     */
    private static final double ABSOLUTE_NOISE = 1e-8;

    private GradientCheck() {}

    /** A DOUBLE array of the given shape with entries uniform in [-1, 1). */
    public static INDArray random(Random rng, long... shape) {
        int n = 1;
        for (long s : shape) {
            n *= (int) s;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = 2 * rng.nextDouble() - 1;
        }
        return Nd4j.create(v, shape, DataType.DOUBLE);
    }

    /**
     * Asserts that {@code analytic} is the gradient of {@code loss} with respect to {@code value},
     * perturbing every entry of {@code value} in place (and restoring it).
     */
    public static void assertGradient(
            String what, INDArray value, INDArray analytic, DoubleSupplier loss) {
        INDArray flat = value.reshape(value.length());
        INDArray grad = analytic.reshape(analytic.length());
        double worst = 0;
        for (long i = 0; i < flat.length(); i++) {
            double orig = flat.getDouble(i);
            flat.putScalar(i, orig + EPS);
            double plus = loss.getAsDouble();
            flat.putScalar(i, orig - EPS);
            double minus = loss.getAsDouble();
            flat.putScalar(i, orig);
            double numeric = (plus - minus) / (2 * EPS);
            double a = grad.getDouble(i);
            double diff = Math.abs(a - numeric);
            double err =
                    diff < ABSOLUTE_NOISE
                            ? 0
                            : diff / Math.max(Math.abs(a) + Math.abs(numeric), 1e-6);
            if (err > worst) {
                worst = err;
            }
            assertTrue(
                    err < TOLERANCE,
                    what
                            + "["
                            + i
                            + "]: analytic "
                            + a
                            + " vs numeric "
                            + numeric
                            + " (rel "
                            + err
                            + ")");
        }
        assertTrue(worst < TOLERANCE, what);
    }

    /** {@code Σ y ⊙ r}: a scalar whose gradient with respect to {@code y} is {@code r}. */
    public static double project(INDArray y, INDArray r) {
        return y.mul(r).sumNumber().doubleValue();
    }
}
