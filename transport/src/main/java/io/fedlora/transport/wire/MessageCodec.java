package io.fedlora.transport.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;
import io.fedlora.transport.message.Message;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Turns {@link Message}s into bytes and back, the same for the Aeron data plane and Pekko.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                      magic 'FLKW' (LE int)                    |
 *  +-------------------------------+-------------------------------+
 *  |   protocol version (LE u16)   |  Kryo class id + object ...   |
 *  +-------------------------------+-------------------------------+
 * </pre>
 *
 * Thread-safe: Kryo instances come from a capped pool. Decoding failures of any kind (garbage,
 * truncation, unknown class ids, another protocol version) surface as one {@link
 * WireFormatException} whose message names the problem.
 */
public final class MessageCodec {

    public static final int MAGIC = 0x574B_4C46; // "FLKW" in little-endian byte order
    public static final int HEADER_BYTES = 6;

    private final int maxMessageBytes;
    private final Pool<Kryo> kryos;

    /**
     * @param maxMessageBytes the largest encoded message this codec writes or reads
     */
    public MessageCodec(int maxMessageBytes) {
        if (maxMessageBytes < 64) {
            throw new IllegalArgumentException("maxMessageBytes too small: " + maxMessageBytes);
        }
        this.maxMessageBytes = maxMessageBytes;
        int cap = Math.max(2, Runtime.getRuntime().availableProcessors() * 2);
        this.kryos =
                new Pool<>(true, false, cap) {
                    @Override
                    protected Kryo create() {
                        return WireRegistry.newKryo();
                    }
                };
    }

    /** The wire protocol version this codec writes and accepts. */
    public int protocolVersion() {
        return Message.PROTOCOL_VERSION;
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /** A fresh output sized for this codec, to be reused by one thread across many messages. */
    public WireOutput newOutput() {
        return new WireOutput(64 * 1024, maxMessageBytes);
    }

    /**
     * Writes {@code message} into {@code out} from position 0; afterwards {@code out.written()}
     * holds the frame.
     */
    public void encode(Message message, WireOutput out) {
        out.reset();
        writeHeader(out, Message.PROTOCOL_VERSION);
        Kryo kryo = kryos.obtain();
        try {
            kryo.writeClassAndObject(out, message);
        } catch (KryoException e) {
            throw new WireFormatException(
                    "cannot encode " + message.getClass().getSimpleName() + ": " + firstLine(e), e);
        } finally {
            kryos.free(kryo);
        }
    }

    /** Writes the frame header (magic, then {@code version}) byte by byte, little-endian. */
    public static void writeHeader(Output out, int version) {
        for (int shift = 0; shift < 32; shift += 8) {
            out.writeByte(MAGIC >>> shift);
        }
        out.writeByte(version);
        out.writeByte(version >>> 8);
    }

    /** The frame of {@code message} as a new byte array. */
    public byte[] encodeToBytes(Message message) {
        WireOutput out = newOutput();
        encode(message, out);
        return out.toBytes();
    }

    /**
     * Decodes one frame from {@code frame}'s position to its limit; every tensor gets a new array.
     */
    public Message decode(ByteBuffer frame) {
        return decode(frame, TensorTargets.FRESH);
    }

    /**
     * Decodes one frame like {@link #decode(ByteBuffer)}, but copies its tensors into arrays taken
     * from {@code pool} instead of new ones. The result owns those arrays until it is closed; after
     * that the message must not be used (see {@link TensorPool} for the rules). Input is checked
     * exactly as strictly: every size is checked against the bytes that remain before an array is
     * taken, and a frame that fails to decode gives back every array it took and returns nothing.
     *
     * @throws WireFormatException as {@link #decode(ByteBuffer)}
     */
    public PooledMessage decode(ByteBuffer frame, TensorPool pool) {
        List<INDArray> taken = new ArrayList<>();
        boolean decoded = false;
        try {
            Message m =
                    decode(
                            frame,
                            (rows, cols) -> {
                                INDArray array = pool.take(rows, cols);
                                taken.add(array);
                                return array;
                            });
            decoded = true;
            return new PooledMessage(m, pool, taken);
        } finally {
            if (!decoded) {
                pool.giveBack(taken);
            }
        }
    }

    private Message decode(ByteBuffer frame, TensorTargets targets) {
        if (frame.remaining() > maxMessageBytes) {
            throw new WireFormatException(
                    "message of "
                            + frame.remaining()
                            + " bytes exceeds the limit of "
                            + maxMessageBytes);
        }
        if (frame.remaining() < HEADER_BYTES) {
            throw new WireFormatException(
                    "message of " + frame.remaining() + " bytes is too short");
        }
        ByteBuffer le = frame.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int magic = le.getInt(le.position());
        if (magic != MAGIC) {
            throw new WireFormatException(
                    "not a fedlora message (magic 0x" + Integer.toHexString(magic) + ")");
        }
        int version = le.getShort(le.position() + 4) & 0xFFFF;
        if (version != Message.PROTOCOL_VERSION) {
            throw new ProtocolMismatchException(version, Message.PROTOCOL_VERSION);
        }
        le.position(le.position() + HEADER_BYTES);
        WireInput in = new WireInput(le);
        Kryo kryo = kryos.obtain();
        try {
            TensorTargets.use(kryo, targets);
            Object o = kryo.readClassAndObject(in);
            if (!(o instanceof Message m)) {
                throw new WireFormatException(
                        "frame holds a "
                                + (o == null ? "null" : o.getClass().getName())
                                + ", not a message");
            }
            if (in.remaining() != 0) {
                throw new WireFormatException(in.remaining() + " trailing bytes after the message");
            }
            return m;
        } catch (KryoException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new WireFormatException("cannot decode message: " + firstLine(e), e);
        } finally {
            kryos.free(kryo);
        }
    }

    /** Decodes one frame held in a byte array. */
    public Message decode(byte[] frame) {
        return decode(ByteBuffer.wrap(frame));
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
