package io.fedlora.aggregation.robust;

import io.fedlora.aggregation.ClientSampler;

/**
 * Coordinate-wise median (Yin et al., ICML 2018): each coordinate of the next global adapter is the
 * median of the clients' values there (the mean of the two middle ones for an even count). Robust
 * to fewer than half of the clients sending arbitrary values.
 */
public final class CoordinateMedian extends CoordinateWiseStrategy {

    public CoordinateMedian(ClientSampler sampler) {
        super(sampler);
    }

    @Override
    public String name() {
        return "median";
    }

    @Override
    protected double ofSorted(double[] sorted) {
        return CoordinateWise.median(sorted);
    }
}
