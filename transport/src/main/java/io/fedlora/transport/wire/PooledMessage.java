package io.fedlora.transport.wire;

import io.fedlora.transport.message.Message;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A message decoded into arrays of a {@link TensorPool}, and the lease on those arrays: they stay
 * this message's until {@link #close()}, then go back to the pool and may be overwritten by the
 * next pooled decode. Use it in try-with-resources, or close it when the message's adapter is no
 * longer needed (after aggregation, after loading it into a model by copy).
 */
public final class PooledMessage implements AutoCloseable {

    private final Message message;
    private final TensorPool pool;
    private List<INDArray> arrays;

    PooledMessage(Message message, TensorPool pool, List<INDArray> arrays) {
        this.message = message;
        this.pool = pool;
        this.arrays = arrays;
    }

    /**
     * The decoded message; its tensors live in the pool's arrays.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public synchronized Message message() {
        if (arrays == null) {
            throw new IllegalStateException("pooled message used after close");
        }
        return message;
    }

    /** Gives the message's arrays back to the pool. Closing twice does nothing. */
    @Override
    public synchronized void close() {
        if (arrays != null) {
            pool.giveBack(arrays);
            arrays = null;
        }
    }
}
