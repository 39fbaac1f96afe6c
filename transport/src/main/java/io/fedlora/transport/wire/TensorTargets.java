package io.fedlora.transport.wire;

import com.esotericsoftware.kryo.Kryo;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Where the matrices of one decode land: new arrays, or arrays taken from a {@link TensorPool}.
 * {@link MessageCodec} puts the one for the current decode into Kryo's graph context, which Kryo
 * clears after every top-level object, so a pooled Kryo never carries one decode's targets into the
 * next.
 */
@FunctionalInterface
interface TensorTargets {

    /** Every decode that names no pool: a new array per matrix. */
    TensorTargets FRESH = (rows, cols) -> Nd4j.createUninitialized(DataType.FLOAT, rows, cols);

    /**
     * A dense fp32 c-order {@code rows × cols} array that the decode may overwrite entirely; called
     * only after the wire has been checked to hold the whole matrix.
     */
    INDArray matrix(int rows, int cols);

    /** The targets of the decode {@code kryo} is running now. */
    static TensorTargets of(Kryo kryo) {
        Object targets = kryo.getGraphContext().get(TensorTargets.class);
        return targets == null ? FRESH : (TensorTargets) targets;
    }

    /** Makes {@code targets} those of the decode {@code kryo} runs next. */
    static void use(Kryo kryo, TensorTargets targets) {
        kryo.getGraphContext().put(TensorTargets.class, targets);
    }
}
