package io.fedlora.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Softmax cross-entropy of logits {@code [n, classes]} against integer targets, computed through a
 * max-shifted log-sum-exp so that large logits do not overflow. The loss is the mean over the
 * {@code n} predictions, its gradient {@code (softmax − onehot)/n}.
 */
public final class SoftmaxCrossEntropy {

    /** Loss value, gradient and arg-max hits of one evaluation. */
    public record Result(double meanLoss, double lossSum, long correct, INDArray gradient) {}

    private SoftmaxCrossEntropy() {}

    /**
     * @param withGradient whether to form {@code (softmax − onehot)/n} (null in the result if not)
     */
    public static Result compute(INDArray logits, int[] targets, boolean withGradient) {
        int n = (int) logits.rows();
        int classes = (int) logits.columns();
        if (targets.length != n) {
            throw new IllegalArgumentException(
                    "targets has " + targets.length + " entries for " + n + " predictions");
        }
        float[] hot = new float[n * classes];
        for (int i = 0; i < n; i++) {
            int t = targets[i];
            if (t < 0 || t >= classes) {
                throw new IllegalArgumentException(
                        "target " + i + " is " + t + ", outside [0, " + classes + ")");
            }
            hot[i * classes + t] = 1f;
        }
        INDArray onehot = Nd4j.create(hot, new long[] {n, classes}).castTo(logits.dataType());
        INDArray shifted = logits.subColumnVector(logits.max(true, 1));
        INDArray exp = Transforms.exp(shifted, true);
        INDArray logSum = Transforms.log(exp.sum(true, 1), false);
        // Σ_i (logSumExp_i − shifted_i[target_i])
        double lossSum =
                logSum.sumNumber().doubleValue() - shifted.mul(onehot).sumNumber().doubleValue();
        long[] predicted = logits.argMax(1).toLongVector();
        long correct = 0;
        for (int i = 0; i < n; i++) {
            if (predicted[i] == targets[i]) {
                correct++;
            }
        }
        INDArray grad = null;
        if (withGradient) {
            grad = exp.diviColumnVector(exp.sum(true, 1)).subi(onehot).divi(n);
        }
        return new Result(lossSum / n, lossSum, correct, grad);
    }
}
