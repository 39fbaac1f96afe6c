package io.fedlora.aggregation.spill;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Where one tensor's bytes lie: a segment, an offset, and its C-order type and shape. */
record SpilledTensor(SpillSegment segment, long offset, DataType type, long[] shape) {

    /** Element count. */
    long length() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Size in bytes. */
    long bytes() {
        return length() * type.width();
    }

    /**
     * A new C-order array with the stored bytes: one bulk copy from the mapping into the array's
     * own buffer, bit for bit.
     */
    INDArray read() {
        INDArray out = Nd4j.createUninitialized(type, shape.clone(), 'c');
        int bytes = (int) bytes();
        if (bytes > 0) {
            out.data().asNio().put(segment.view(offset, bytes));
        }
        return out;
    }

    @Override
    public String toString() {
        return type + Arrays.toString(shape) + "@" + segment.path().getFileName() + ":" + offset;
    }
}
