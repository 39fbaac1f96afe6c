package io.fedlora.aggregation.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SampledGaussianRdpTest {

    /** Simpson's rule for ∫ f over [lo, hi] with n (even) intervals. */
    static double simpson(java.util.function.DoubleUnaryOperator f, double lo, double hi, int n) {
        double h = (hi - lo) / n;
        double sum = f.applyAsDouble(lo) + f.applyAsDouble(hi);
        for (int i = 1; i < n; i++) {
            sum += (i % 2 == 1 ? 4 : 2) * f.applyAsDouble(lo + i * h);
        }
        return sum * h / 3;
    }

    static double normalDensity(double x, double sigma) {
        return Math.exp(-x * x / (2 * sigma * sigma)) / (sigma * Math.sqrt(2 * Math.PI));
    }

    /**
     * {@code D_α(μ₁‖μ₀)} by direct numerical integration, μ₀ = N(0, z²), μ₁ = (1−q)·N(0, z²) +
     * q·N(1, z²): {@code log ∫ μ₀·(μ₁/μ₀)^α dx / (α − 1)}, with {@code μ₁/μ₀ = 1 − q + q·exp((2x −
     * 1)/(2z²))}. The integrand peaks near x = α, so the range reaches past it.
     */
    static double mixtureDivergence(double q, double z, int alpha) {
        double integral =
                simpson(
                        x ->
                                normalDensity(x, z)
                                        * Math.pow(
                                                1 - q + q * Math.exp((2 * x - 1) / (2 * z * z)),
                                                alpha),
                        -30 * z,
                        alpha + 30 * z,
                        400_000);
        return Math.log(integral) / (alpha - 1);
    }

    /** The other direction, {@code D_α(μ₀‖μ₁)}, which the sampled Gaussian's RDP dominates. */
    static double reverseDivergence(double q, double z, int alpha) {
        double integral =
                simpson(
                        x -> {
                            double mixture =
                                    (1 - q) * normalDensity(x, z) + q * normalDensity(x - 1, z);
                            return mixture * Math.pow(normalDensity(x, z) / mixture, alpha);
                        },
                        -30 * z,
                        30 * z + 1,
                        400_000);
        return Math.log(integral) / (alpha - 1);
    }

    @ParameterizedTest
    @CsvSource({
        "0.01, 1.1, 8",
        "0.01, 1.1, 2",
        "0.1, 0.8, 5",
        "0.1, 2.0, 12",
        "0.5, 2.0, 3",
        "0.5, 1.0, 6"
    })
    void matchesNumericalIntegrationOfTheMixturesRenyiDivergence(double q, double z, int alpha) {
        double closedForm = SampledGaussianRdp.rdp(q, z, alpha);
        double numerical = mixtureDivergence(q, z, alpha);
        assertEquals(numerical, closedForm, 1e-7 * numerical);
        assertTrue(reverseDivergence(q, z, alpha) <= closedForm * (1 + 1e-9));
    }

    @ParameterizedTest
    @CsvSource({"0.5, 2", "1.0, 7", "1.3, 32", "4.0, 512"})
    void fullSamplingIsTheGaussianMechanism(double z, int alpha) {
        assertEquals(alpha / (2 * z * z), SampledGaussianRdp.rdp(1.0, z, alpha), 0.0);
        // Just below q = 1 the general sum must agree.
        double nearlyOne = SampledGaussianRdp.rdp(1 - 1e-12, z, alpha);
        assertEquals(alpha / (2 * z * z), nearlyOne, 1e-6 * alpha / (2 * z * z));
    }

    @Test
    void growsWithTheSamplingRateAndShrinksWithNoise() {
        double previous = 0;
        for (double q : new double[] {0.001, 0.01, 0.1, 0.5, 1}) {
            double rdp = SampledGaussianRdp.rdp(q, 1.0, 10);
            assertTrue(rdp > previous, "q = " + q);
            previous = rdp;
        }
        previous = Double.POSITIVE_INFINITY;
        for (double z : new double[] {0.5, 1, 2, 4}) {
            double rdp = SampledGaussianRdp.rdp(0.05, z, 10);
            assertTrue(rdp < previous, "z = " + z);
            previous = rdp;
        }
    }

    @Test
    void edgeCasesAndBadInput() {
        assertEquals(0.0, SampledGaussianRdp.rdp(0, 1, 4));
        assertEquals(Double.POSITIVE_INFINITY, SampledGaussianRdp.rdp(0.1, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> SampledGaussianRdp.rdp(1.5, 1, 4));
        assertThrows(IllegalArgumentException.class, () -> SampledGaussianRdp.rdp(0.5, -1, 4));
        assertThrows(IllegalArgumentException.class, () -> SampledGaussianRdp.rdp(0.5, 1, 1));
    }
}
