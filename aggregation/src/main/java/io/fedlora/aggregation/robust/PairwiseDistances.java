package io.fedlora.aggregation.robust;

import io.fedlora.aggregation.UpdateHandle;
import io.fedlora.lora.Adapter;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Squared L2 distances between clients' adapters in parameter space (every {@code lora_A}, {@code
 * lora_B} and saved tensor), built one module at a time.
 *
 * <p>Per tensor the clients' differences from a common reference (the global adapter) are stacked
 * as the rows of an {@code n × len} double matrix X and their Gram matrix {@code X·Xᵀ} is added up
 * through BLAS; {@code ‖xᵢ − xⱼ‖² = Gᵢᵢ + Gⱼⱼ − 2Gᵢⱼ}. Subtracting the reference first keeps the
 * cancellation small: the entries are update-sized, not parameter-sized.
 */
final class PairwiseDistances {

    private PairwiseDistances() {}

    /** The symmetric {@code n × n} matrix of squared distances, zero on the diagonal. */
    static double[][] squared(Adapter reference, List<UpdateHandle> clients) {
        int n = clients.size();
        double[][] gram = new double[n][n];
        ClientTensors.forEach(
                reference,
                clients,
                (key, ref, tensors) -> {
                    if (ref.isEmpty()) {
                        return;
                    }
                    INDArray r = ref.castTo(DataType.DOUBLE).dup('c').reshape(ref.length());
                    INDArray x = Nd4j.create(DataType.DOUBLE, n, ref.length());
                    for (int i = 0; i < n; i++) {
                        INDArray row =
                                tensors.get(i)
                                        .castTo(DataType.DOUBLE)
                                        .dup('c')
                                        .reshape(ref.length())
                                        .subi(r);
                        x.putRow(i, row);
                    }
                    double[][] g = x.mmul(x.transpose()).toDoubleMatrix();
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < n; j++) {
                            gram[i][j] += g[i][j];
                        }
                    }
                });
        double[][] distances = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                distances[i][j] =
                        i == j ? 0 : Math.max(0, gram[i][i] + gram[j][j] - 2 * gram[i][j]);
            }
        }
        return distances;
    }
}
