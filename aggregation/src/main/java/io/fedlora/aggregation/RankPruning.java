package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * HetLoRA's rank self-pruning rule: a client drops its trailing rank components when together they
 * carry less than a share {@code γ} of its update, measured over all modules as {@code ‖Σ_{j≥t}
 * b_j·a_jᵀ‖_F / ‖B·A‖_F} (squares summed over modules). The norms come from the {@code r × r} Gram
 * matrices {@code BᵀB} and {@code A·Aᵀ}: the squared norm of components {@code t..r−1} is {@code
 * Σ_{j,k≥t} (BᵀB)_{jk}·(AAᵀ)_{jk}}, never an {@code out × in} product.
 */
final class RankPruning {

    private RankPruning() {}

    /**
     * The smallest rank {@code t ≥ 1} whose trailing components {@code t..r−1} hold less than the
     * share {@code gamma} of {@code update}'s norm; {@code r} itself when none can go, or when the
     * update is zero.
     */
    static int keptRank(Adapter update, double gamma) {
        if (!(gamma > 0 && gamma < 1)) {
            throw new IllegalArgumentException("pruning share must be in (0, 1), got " + gamma);
        }
        int r = update.rank();
        double[] tails = new double[r + 1];
        for (LoraPair pair : update.modules().values()) {
            double[] moduleTails = squaredTails(pair);
            for (int t = 0; t <= r; t++) {
                tails[t] += moduleTails[t];
            }
        }
        if (!(tails[0] > 0)) {
            return r;
        }
        for (int t = 1; t < r; t++) {
            if (Math.sqrt(Math.max(0, tails[t]) / tails[0]) < gamma) {
                return t;
            }
        }
        return r;
    }

    /** Entry t: {@code ‖Σ_{j≥t} b_j·a_jᵀ‖_F²}, for t = 0..r (entry r is 0). */
    static double[] squaredTails(LoraPair pair) {
        INDArray a = pair.a().castTo(DataType.DOUBLE);
        INDArray b = pair.b().castTo(DataType.DOUBLE);
        double[][] bGram = b.transpose().mmul(b).toDoubleMatrix();
        double[][] aGram = a.mmul(a.transpose()).toDoubleMatrix();
        int r = pair.rank();
        double[] tails = new double[r + 1];
        for (int t = r - 1; t >= 0; t--) {
            double added = bGram[t][t] * aGram[t][t];
            for (int k = t + 1; k < r; k++) {
                added += 2 * bGram[t][k] * aGram[t][k];
            }
            tails[t] = tails[t + 1] + added;
        }
        return tails;
    }
}
