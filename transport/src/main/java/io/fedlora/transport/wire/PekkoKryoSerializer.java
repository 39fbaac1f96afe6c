package io.fedlora.transport.wire;

import io.fedlora.transport.message.Message;
import org.apache.pekko.serialization.JSerializer;

/**
 * Pekko's serializer for every {@link Message}, using the same Kryo registrations as the data
 * plane, so control messages and data share one schema. Bound to {@code Message} in this module's
 * {@code reference.conf}. Control messages only: Artery frames are 256 KiB, so adapters travel over
 * Aeron instead.
 */
public final class PekkoKryoSerializer extends JSerializer {

    /** Pekko's id for this serializer; ids 0–40 are Pekko's own. */
    public static final int IDENTIFIER = 4_711_001;

    /** Control messages are small; anything bigger belongs on the data plane. */
    private static final int MAX_BYTES = 4 * 1024 * 1024;

    private final MessageCodec codec = new MessageCodec(MAX_BYTES);

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public boolean includeManifest() {
        return false;
    }

    @Override
    public byte[] toBinary(Object o) {
        if (!(o instanceof Message m)) {
            throw new IllegalArgumentException(
                    "fedlora's serializer writes protocol messages only, got "
                            + o.getClass().getName());
        }
        return codec.encodeToBytes(m);
    }

    @Override
    public Object fromBinaryJava(byte[] bytes, Class<?> manifest) {
        return codec.decode(bytes);
    }
}
