package io.fedlora.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

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
        // repeating each row seq times in a row is the [b, seq, dim] layout of the tokens
        return dy.repeat(0, seq).divi(seq);
    }
}
