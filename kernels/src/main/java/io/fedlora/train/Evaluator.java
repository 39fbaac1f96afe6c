package io.fedlora.train;

import io.fedlora.data.Dataset;
import io.fedlora.nn.EvalStats;
import io.fedlora.nn.TrainableModel;

/** Evaluates a model on a whole data set, batch by batch, in order. */
public final class Evaluator {

    private Evaluator() {}

    /** Summed loss, hits and count over every example of {@code data}. */
    public static EvalStats evaluate(TrainableModel model, Dataset data, int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        EvalStats total = EvalStats.EMPTY;
        for (int from = 0; from < data.size(); from += batchSize) {
            int n = Math.min(batchSize, data.size() - from);
            int[] idx = new int[n];
            for (int k = 0; k < n; k++) {
                idx[k] = from + k;
            }
            total = total.plus(model.evaluate(data.batch(idx)));
        }
        return total;
    }
}
