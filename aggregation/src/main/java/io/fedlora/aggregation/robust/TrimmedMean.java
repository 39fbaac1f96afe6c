package io.fedlora.aggregation.robust;

import io.fedlora.aggregation.ClientSampler;
import io.fedlora.aggregation.StrategySpec;
import java.util.Map;

/**
 * Coordinate-wise trimmed mean (Yin et al., ICML 2018): for each coordinate the {@code ⌊β·n⌋}
 * smallest and {@code ⌊β·n⌋} largest of the n clients' values are dropped and the rest averaged.
 * With {@code β} at least the fraction of Byzantine clients, their values never reach the average
 * unless they lie among the honest ones. {@code β = 0} is the plain (unweighted) mean.
 */
public final class TrimmedMean extends CoordinateWiseStrategy {

    /** The default fraction trimmed from each side. */
    public static final double DEFAULT_BETA = 0.1;

    private final double beta;

    /**
     * @param beta the fraction trimmed from each side, in {@code [0, 0.5)}
     */
    public TrimmedMean(ClientSampler sampler, double beta) {
        super(sampler);
        if (!(beta >= 0 && beta < 0.5)) {
            throw new IllegalArgumentException(
                    "trimmed-mean: beta (fraction trimmed from each side) must be in [0, 0.5), got "
                            + beta);
        }
        this.beta = beta;
    }

    /** From option {@code beta} (default {@link #DEFAULT_BETA}). */
    public static TrimmedMean fromOptions(ClientSampler sampler, StrategySpec.Reader options) {
        return new TrimmedMean(sampler, options.real("beta", DEFAULT_BETA));
    }

    @Override
    public String name() {
        return "trimmed-mean";
    }

    /** How many values are dropped from each side among {@code n}. */
    public int trimmed(int n) {
        // The small slack keeps e.g. 0.29 · 100 = 28.999999999999996 at 29.
        return (int) Math.floor(beta * n + 1e-9);
    }

    @Override
    protected double ofSorted(double[] sorted) {
        return CoordinateWise.trimmedMean(sorted, trimmed(sorted.length));
    }

    @Override
    protected Map<String, Double> ruleMetrics(int clients) {
        return Map.of("trimmed-per-side", (double) trimmed(clients));
    }
}
