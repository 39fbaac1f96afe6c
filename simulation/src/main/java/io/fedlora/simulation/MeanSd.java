package io.fedlora.simulation;

/**
 * Mean and sample standard deviation (divisor n − 1; 0 for a single value) of a few numbers, such
 * as one figure over an experiment's seeds.
 */
public record MeanSd(double mean, double sd, int n) {

    public static MeanSd of(double[] values) {
        int n = values.length;
        if (n == 0) {
            return new MeanSd(Double.NaN, Double.NaN, 0);
        }
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        double mean = sum / n;
        double squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        return new MeanSd(mean, n > 1 ? Math.sqrt(squares / (n - 1)) : 0, n);
    }
}
