package io.fedlora.aggregation.privacy;

/**
 * Rényi differential privacy of the sampled Gaussian mechanism (Mironov, Talwar and Zhang, "Rényi
 * Differential Privacy of the Sampled Gaussian Mechanism", 2019): each record is included with
 * probability q, the sum of included contributions (L2 sensitivity 1) gets Gaussian noise of
 * standard deviation z. For an integer order α ≥ 2 its RDP is {@code log(A_α)/(α − 1)} with
 *
 * <pre>
 *   A_α = Σ_{k=0..α} C(α, k) · (1 − q)^(α−k) · q^k · exp((k² − k) / (2z²)),
 * </pre>
 *
 * the α-th moment of the likelihood ratio between the mixture {@code (1−q)·N(0, z²) + q·N(1, z²)}
 * and {@code N(0, z²)}. For {@code q = 1} it is the Gaussian mechanism's {@code α/(2z²)}. The sum
 * is taken in log space so that large orders do not overflow.
 */
public final class SampledGaussianRdp {

    private SampledGaussianRdp() {}

    /**
     * The RDP ε(α) of one application.
     *
     * @param q sampling rate in [0, 1]
     * @param z noise multiplier (noise standard deviation over sensitivity), ≥ 0
     * @param alpha the Rényi order, an integer ≥ 2
     * @return ε(α); 0 when q = 0, +∞ when z = 0 and q > 0
     */
    public static double rdp(double q, double z, int alpha) {
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("sampling rate q must be in [0, 1], got " + q);
        }
        if (!(z >= 0) || Double.isInfinite(z)) {
            throw new IllegalArgumentException(
                    "noise multiplier must be finite and >= 0, got " + z);
        }
        if (alpha < 2) {
            throw new IllegalArgumentException("Rényi order must be an integer >= 2, got " + alpha);
        }
        if (q == 0) {
            return 0;
        }
        if (z == 0) {
            return Double.POSITIVE_INFINITY;
        }
        double twoVariance = 2 * z * z;
        if (q == 1) {
            return alpha / twoVariance;
        }
        double logQ = Math.log(q);
        double logOneMinusQ = Math.log1p(-q);
        double[] terms = new double[alpha + 1];
        double logBinomial = 0;
        for (int k = 0; k <= alpha; k++) {
            if (k > 0) {
                logBinomial += Math.log(alpha - k + 1) - Math.log(k);
            }
            terms[k] =
                    logBinomial
                            + k * logQ
                            + (alpha - k) * logOneMinusQ
                            + ((double) k * k - k) / twoVariance;
        }
        return logSumExp(terms) / (alpha - 1);
    }

    private static double logSumExp(double[] terms) {
        double max = Double.NEGATIVE_INFINITY;
        for (double t : terms) {
            max = Math.max(max, t);
        }
        double sum = 0;
        for (double t : terms) {
            sum += Math.exp(t - max);
        }
        return max + Math.log(sum);
    }
}
