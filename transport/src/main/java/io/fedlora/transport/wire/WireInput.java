package io.fedlora.transport.wire;

import com.esotericsoftware.kryo.io.ByteBufferInput;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A Kryo input over a {@link ByteBuffer} that can also hand out a raw region, so tensor blocks are
 * read by the codecs straight from the buffer.
 */
public final class WireInput extends ByteBufferInput {

    /**
     * Reads {@code src} from its position to its limit (the buffer's own position is untouched).
     */
    public WireInput(ByteBuffer src) {
        super(src.slice());
    }

    /** The bytes not yet read. */
    public int remaining() {
        return limit - position;
    }

    /**
     * Returns a little-endian buffer over the next {@code length} bytes and advances past them.
     *
     * @throws WireFormatException if fewer than {@code length} bytes remain (a truncated message)
     */
    public ByteBuffer take(long length) {
        if (length < 0 || length > remaining()) {
            throw new WireFormatException(
                    "truncated message: a block of "
                            + length
                            + " bytes but "
                            + remaining()
                            + " remain");
        }
        ByteBuffer region = byteBuffer.duplicate();
        region.limit(position + (int) length).position(position);
        setPosition(position + (int) length);
        return region.slice().order(ByteOrder.LITTLE_ENDIAN);
    }
}
