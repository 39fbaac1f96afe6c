package io.fedlora.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Mean over the tokens of each example: {@code [batch·seq, dim] → [batch, dim]}. */
public final class MeanPool {

    private int seq;

    public INDArray forward(INDArray x, Pass pass) {
        int b = pass.batch();
        seq = (int) (x.rows() / b);
        return x.reshape(b, seq, x.columns()).mean(1);
    }

    /** Spreads {@code dy [batch, dim]} evenly over the tokens: {@code [batch·seq, dim]}. */
    public INDArray backward(INDArray dy) {
        // tile lays out seq copies of each row side by side, which is [b, seq, dim] in row-major
        // order
        return Nd4j.tile(dy, 1, seq).divi(seq).reshape(dy.rows() * seq, dy.columns());
    }
}
