package io.fedlora.nn;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Learned positional embedding {@code <name>} of shape {@code [maxSeq, dim]}, added in place to
 * token-major activations {@code [batch·seq, dim]} with {@code seq ≤ maxSeq}.
 */
public final class PositionalEmbedding {

    private final Parameter table;
    private int seq;

    public PositionalEmbedding(String name, WeightSource source, int maxSeq, int dim) {
        this.table =
                new Parameter(
                        name,
                        source.tensor(name, WeightSource.Init.TRUNC_NORMAL_002, maxSeq, dim),
                        false);
    }

    public List<Parameter> parameters() {
        return List.of(table);
    }

    public int maxSeq() {
        return (int) table.value().rows();
    }

    /** Adds the embeddings of positions {@code 0..seq-1} to {@code x} in place and returns it. */
    public INDArray forward(INDArray x, Pass pass) {
        int b = pass.batch();
        int s = (int) (x.rows() / b);
        if (s > maxSeq()) {
            throw new IllegalArgumentException(
                    "sequence length " + s + " exceeds the positional table's " + maxSeq());
        }
        long dim = x.columns();
        x.reshape(b, s * dim).addiRowVector(positions(table.value(), s).reshape(1, s * dim));
        seq = s;
        return x;
    }

    /** Adds the table gradient (if trainable); the input gradient is {@code dy} itself. */
    public void backward(INDArray dy) {
        if (table.trainable()) {
            long dim = dy.columns();
            long b = dy.rows() / seq;
            INDArray summed = dy.reshape(b, seq * dim).sum(true, 0).reshape(seq, dim);
            positions(table.grad(), seq).addi(summed);
        }
    }

    private static INDArray positions(INDArray t, int s) {
        return s == t.rows() ? t : t.get(NDArrayIndex.interval(0, s), NDArrayIndex.all());
    }
}
