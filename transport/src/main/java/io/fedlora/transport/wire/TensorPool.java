package io.fedlora.transport.wire;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Decode destinations kept across transfers. A receiver that decodes the same adapter layout again
 * and again (a worker receiving successive global-adapter versions, a coordinator receiving every
 * client's update of a round) holds one pool and passes it to {@link
 * MessageCodec#decode(ByteBuffer, TensorPool)}: the tensors are then copied into off-heap memory
 * the process already owns, instead of into new arrays whose allocation and first-touch page faults
 * cost several times the copy.
 *
 * <p><b>Who owns what, and when it may be overwritten.</b> The pool owns the arrays it holds free.
 * A pooled decode takes free arrays of the exact type and shape it needs (allocating when none is
 * free) and hands them to the {@link PooledMessage} it returns, which owns them until it is closed.
 * While a pooled message is open no decode writes to its arrays, so any number of them can be held
 * at once (a round's worth of client updates). Closing gives the arrays back, and the next pooled
 * decode may overwrite them: after {@code close()} neither the message, nor its adapter, nor any
 * tensor taken from it may be used; {@code dup()} what must outlive it. A decode that fails gives
 * back what it took and returns nothing, so a partly written array is never part of a result.
 *
 * <p>Free arrays are kept up to {@code maxRetainedBytes}; to make room, free arrays of other shapes
 * (a layout that changed, such as a new rank) are dropped first, oldest first. Dropped arrays are
 * left to the garbage collector, never freed while someone might still hold them. Thread-safe:
 * decodes and closes may happen on different threads.
 */
public final class TensorPool {

    private record Shape(DataType type, long rows, long cols) {
        static Shape of(INDArray array) {
            return new Shape(array.dataType(), array.rows(), array.columns());
        }

        long bytes() {
            return rows * cols * type.width();
        }
    }

    private final long maxRetainedBytes;

    /** Free arrays by shape; shapes in the order they were last given back, oldest first. */
    private final Map<Shape, ArrayDeque<INDArray>> free = new LinkedHashMap<>();

    private long retainedBytes;

    /**
     * @param maxRetainedBytes the most memory the free arrays may hold; at least the size of the
     *     adapters decoded through it times how many are held at once, or arrays will be dropped
     *     and reallocated
     */
    public TensorPool(long maxRetainedBytes) {
        if (maxRetainedBytes < 0) {
            throw new IllegalArgumentException(
                    "maxRetainedBytes must be >= 0: " + maxRetainedBytes);
        }
        this.maxRetainedBytes = maxRetainedBytes;
    }

    /** Bytes held by free arrays now. */
    public synchronized long retainedBytes() {
        return retainedBytes;
    }

    /** Drops every free array (arrays owned by open pooled messages are not affected). */
    public synchronized void clear() {
        free.clear();
        retainedBytes = 0;
    }

    /** A free fp32 {@code rows × cols} array, or a new one when none is free. */
    INDArray take(int rows, int cols) {
        Shape shape = new Shape(DataType.FLOAT, rows, cols);
        synchronized (this) {
            ArrayDeque<INDArray> arrays = free.get(shape);
            if (arrays != null) {
                INDArray array = arrays.pop();
                if (arrays.isEmpty()) {
                    free.remove(shape);
                }
                retainedBytes -= shape.bytes();
                return array;
            }
        }
        return Nd4j.createUninitialized(DataType.FLOAT, rows, cols);
    }

    /** Takes {@code arrays} back as free; their previous owner must no longer use them. */
    synchronized void giveBack(Collection<INDArray> arrays) {
        for (INDArray array : arrays) {
            Shape shape = Shape.of(array);
            long bytes = shape.bytes();
            evictOtherShapes(shape, bytes);
            if (retainedBytes + bytes > maxRetainedBytes) {
                continue; // full of this very shape: let this one go
            }
            // Re-inserted so that the map's order stays "last given back, oldest first".
            ArrayDeque<INDArray> same = free.remove(shape);
            if (same == null) {
                same = new ArrayDeque<>();
            }
            same.push(array);
            free.put(shape, same);
            retainedBytes += bytes;
        }
    }

    /** Drops free arrays of shapes other than {@code keep} until {@code bytes} more would fit. */
    private void evictOtherShapes(Shape keep, long bytes) {
        Iterator<Map.Entry<Shape, ArrayDeque<INDArray>>> it = free.entrySet().iterator();
        while (retainedBytes + bytes > maxRetainedBytes && it.hasNext()) {
            Map.Entry<Shape, ArrayDeque<INDArray>> e = it.next();
            if (!e.getKey().equals(keep)) {
                retainedBytes -= e.getKey().bytes() * e.getValue().size();
                it.remove();
            }
        }
    }
}
