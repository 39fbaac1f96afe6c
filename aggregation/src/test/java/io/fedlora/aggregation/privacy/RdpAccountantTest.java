package io.fedlora.aggregation.privacy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.aggregation.ServerState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RdpAccountantTest {

    private static final double DELTA = 1e-5;

    @Test
    void epsilonIsTheBestConversionOverTheOrders() {
        RdpAccountant accountant = new RdpAccountant();
        accountant.compose(0.01, 1.1, 1000);
        double best = Double.POSITIVE_INFINITY;
        double classical = Double.POSITIVE_INFINITY;
        for (int alpha : RdpAccountant.DEFAULT_ORDERS) {
            double rdp = 1000 * SampledGaussianRdp.rdp(0.01, 1.1, alpha);
            best =
                    Math.min(
                            best,
                            rdp
                                    + Math.log((alpha - 1.0) / alpha)
                                    - (Math.log(DELTA) + Math.log(alpha)) / (alpha - 1));
            classical = Math.min(classical, rdp + Math.log(1 / DELTA) / (alpha - 1));
        }
        double epsilon = accountant.epsilon(DELTA);
        assertEquals(best, epsilon, 1e-12 * best);
        assertTrue(epsilon < classical);
        // The same figure computed independently with SciPy (log-sum-exp of the binomial sum).
        assertEquals(1.7252908180449427, epsilon, 1e-9);
    }

    /** Φ(x) by Simpson's rule on the standard normal density. */
    private static double normalCdf(double x) {
        return SampledGaussianRdpTest.simpson(
                t -> SampledGaussianRdpTest.normalDensity(t, 1), -40, x, 200_000);
    }

    /**
     * The exact ε of the Gaussian mechanism with μ = sensitivity/σ (Balle and Wang, 2018): the root
     * of {@code Φ(−ε/μ + μ/2) − e^ε·Φ(−ε/μ − μ/2) = δ}, by bisection.
     */
    private static double exactGaussianEpsilon(double mu, double delta) {
        double lo = 0;
        double hi = 100;
        for (int i = 0; i < 80; i++) {
            double eps = (lo + hi) / 2;
            double d =
                    normalCdf(-eps / mu + mu / 2) - Math.exp(eps) * normalCdf(-eps / mu - mu / 2);
            if (d > delta) {
                lo = eps;
            } else {
                hi = eps;
            }
        }
        return (lo + hi) / 2;
    }

    @ParameterizedTest
    @CsvSource({"1.0, 1", "2.0, 10", "5.0, 100"})
    void withoutSamplingTheBoundIsValidAndCloseToTheExactGaussianEpsilon(double z, int rounds) {
        RdpAccountant accountant = new RdpAccountant();
        accountant.compose(1.0, z, rounds);
        double epsilon = accountant.epsilon(DELTA);
        // T rounds of σ = z compose to one Gaussian mechanism with μ = √T / z.
        double exact = exactGaussianEpsilon(Math.sqrt(rounds) / z, DELTA);
        assertTrue(epsilon >= exact, epsilon + " < exact " + exact);
        assertTrue(epsilon <= 1.15 * exact, epsilon + " is loose against exact " + exact);
    }

    @Test
    void epsilonGrowsWithRoundsAndShrinksWithNoise() {
        RdpAccountant accountant = new RdpAccountant();
        double previous = 0;
        for (int round = 1; round <= 50; round++) {
            accountant.compose(0.05, 1.0, 1);
            double epsilon = accountant.epsilon(DELTA);
            assertTrue(epsilon > previous, "round " + round);
            previous = epsilon;
        }
        previous = Double.POSITIVE_INFINITY;
        for (double z : new double[] {0.6, 0.8, 1.0, 1.5, 2.0, 4.0}) {
            RdpAccountant a = new RdpAccountant();
            a.compose(0.05, z, 100);
            double epsilon = a.epsilon(DELTA);
            assertTrue(epsilon < previous, "z = " + z);
            previous = epsilon;
        }
    }

    @Test
    void noNoiseMeansNoPrivacyAndNoRoundsNoLoss() {
        RdpAccountant accountant = new RdpAccountant();
        assertEquals(0.0, accountant.epsilon(DELTA));
        accountant.compose(0.1, 0, 1);
        assertEquals(Double.POSITIVE_INFINITY, accountant.epsilon(DELTA));
    }

    @Test
    void stateRoundTripsExactly() {
        RdpAccountant accountant = new RdpAccountant();
        accountant.compose(0.013, 0.97, 37);
        ServerState state = accountant.toState();
        RdpAccountant restored = new RdpAccountant();
        restored.restore(state);
        assertArrayEquals(accountant.rdp(), restored.rdp(), 0.0);
        assertEquals(37, restored.steps());
        accountant.compose(0.013, 0.97, 1);
        restored.compose(0.013, 0.97, 1);
        assertEquals(accountant.epsilon(DELTA), restored.epsilon(DELTA), 0.0);
    }

    @Test
    void stateOfOtherOrdersIsRejected() {
        RdpAccountant small = new RdpAccountant(new int[] {2, 4, 8});
        small.compose(0.1, 1, 3);
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> new RdpAccountant().restore(small.toState()));
        assertTrue(e.getMessage().contains("orders"), e.getMessage());
    }
}
