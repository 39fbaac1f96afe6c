package io.fedlora.nn;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Token embedding table {@code <name>.weight} of shape {@code [vocab, dim]}: token ids {@code [b,
 * seq]} (stored as floats) become rows {@code [b·seq, dim]}. Gathering and its gradient are both
 * one matrix product with the one-hot matrix of the ids, which is cheaper in ND4J than a row-by-row
 * scatter.
 */
public final class TokenEmbedding {

    private final Parameter table;
    private INDArray onehot;

    public TokenEmbedding(String name, WeightSource source, int vocab, int dim) {
        this.table =
                new Parameter(
                        name + ".weight",
                        source.tensor(
                                name + ".weight", WeightSource.Init.TRUNC_NORMAL_002, vocab, dim),
                        false);
    }

    public List<Parameter> parameters() {
        return List.of(table);
    }

    public INDArray forward(INDArray ids, Pass pass) {
        int vocab = (int) table.value().rows();
        long n = ids.length();
        float[] hot = new float[(int) (n * vocab)];
        double[] flat = ids.reshape(n).toDoubleVector();
        for (int i = 0; i < n; i++) {
            double v = flat[i];
            int id = (int) v;
            if (id != v || id < 0 || id >= vocab) {
                throw new IllegalArgumentException(
                        "token id " + v + " at position " + i + " is not in [0, " + vocab + ")");
            }
            hot[i * vocab + id] = 1f;
        }
        INDArray oh = Nd4j.create(hot, new long[] {n, vocab}).castTo(table.value().dataType());
        if (pass.training()) {
            onehot = oh;
        }
        return oh.mmul(table.value());
    }

    /** Adds the table gradient (if trainable); token ids have no gradient. */
    public void backward(INDArray dy) {
        if (table.trainable()) {
            Nd4j.gemm(onehot, dy, table.grad(), true, false, 1.0, 1.0);
        }
        onehot = null;
    }
}
