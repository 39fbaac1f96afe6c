package io.fedlora.transport.wire;

import com.esotericsoftware.kryo.io.ByteBufferOutput;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A Kryo output over a (usually direct) {@link ByteBuffer} that can also hand out a raw region, so
 * tensor blocks are written by the codecs straight into the buffer instead of element by element
 * through Kryo.
 */
public final class WireOutput extends ByteBufferOutput {

    /**
     * @param initialBytes starting capacity
     * @param maxBytes the most this output may grow to; writing more fails with a clear error
     */
    public WireOutput(int initialBytes, int maxBytes) {
        super(initialBytes, maxBytes);
    }

    /**
     * Reserves {@code length} bytes at the current position, advances past them and returns a
     * little-endian buffer over exactly those bytes for the caller to fill.
     */
    public ByteBuffer claim(int length) {
        require(length);
        ByteBuffer region = byteBuffer.duplicate();
        region.limit(position + length).position(position);
        setPosition(position + length);
        return region.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The bytes written so far, as a read-only view {@code [0, position)}. */
    public ByteBuffer written() {
        ByteBuffer view = byteBuffer.duplicate();
        view.limit(position).position(0);
        return view.slice();
    }
}
