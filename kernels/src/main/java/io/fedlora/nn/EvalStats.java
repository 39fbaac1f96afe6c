package io.fedlora.nn;

/**
 * Sums from evaluating a model on some examples: {@code lossSum} is the summed cross-entropy (nats)
 * over {@code count} predictions (images, or tokens for text), {@code correct} the number of
 * arg-max hits. Sums, not means, so that results of batches and clients add up exactly.
 */
public record EvalStats(double lossSum, long correct, long count) {

    public static final EvalStats EMPTY = new EvalStats(0, 0, 0);

    public EvalStats plus(EvalStats other) {
        return new EvalStats(lossSum + other.lossSum, correct + other.correct, count + other.count);
    }

    /** Mean cross-entropy per prediction, nats. */
    public double meanLoss() {
        return count == 0 ? Double.NaN : lossSum / count;
    }

    /** Fraction of predictions whose arg-max is the target, in [0, 1]. */
    public double accuracy() {
        return count == 0 ? Double.NaN : (double) correct / count;
    }

    /** {@code exp(meanLoss)}: the perplexity for language models. */
    public double perplexity() {
        return Math.exp(meanLoss());
    }
}
