package io.fedlora.data;

import java.util.Random;

/** Draws from a symmetric Dirichlet distribution by normalising Gamma(α, 1) draws. */
final class Dirichlet {

    private Dirichlet() {}

    /** {@code k} proportions summing to 1, drawn from Dir(α, …, α). */
    static double[] sample(int k, double alpha, Random random) {
        double[] p = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            p[i] = gamma(alpha, random);
            sum += p[i];
        }
        if (sum == 0) {
            // Very small α underflows every draw; the limit puts all mass on one component.
            p[random.nextInt(k)] = 1;
            return p;
        }
        for (int i = 0; i < k; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** Gamma(shape, 1) by Marsaglia and Tsang (2000), boosted by {@code U^(1/shape)} below 1. */
    static double gamma(double shape, Random random) {
        if (shape < 1) {
            return gamma(shape + 1, random) * Math.pow(random.nextDouble(), 1 / shape);
        }
        double d = shape - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x = random.nextGaussian();
            double v = 1 + c * x;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = random.nextDouble();
            if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
                return d * v;
            }
        }
    }
}
