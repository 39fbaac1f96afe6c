package io.fedlora.train;

/**
 * What one local training run did.
 *
 * @param steps optimiser steps taken
 * @param examples examples seen (with repetition across epochs)
 * @param losses mean batch loss of every step, nats (including the proximal term when on)
 * @param wallSeconds elapsed time
 */
public record TrainReport(int steps, long examples, double[] losses, double wallSeconds) {

    /** Mean loss over the first tenth of the steps (at least one step). */
    public double firstLoss() {
        return mean(0, Math.max(1, steps / 10));
    }

    /** Mean loss over the last tenth of the steps (at least one step). */
    public double lastLoss() {
        return mean(steps - Math.max(1, steps / 10), steps);
    }

    private double mean(int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += losses[i];
        }
        return to > from ? sum / (to - from) : Double.NaN;
    }
}
