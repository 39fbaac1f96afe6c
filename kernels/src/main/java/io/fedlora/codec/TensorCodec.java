package io.fedlora.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * How a matrix of floats is laid out as bytes on the wire, chosen per transfer.
 *
 * <ul>
 *   <li>{@link #FP32}: 4 bytes an element, IEEE-754 little-endian, row-major; bit-exact.
 *   <li>{@link #BF16}: 2 bytes an element, the upper half of the fp32 bits rounded to nearest even;
 *       the relative error of every finite element is at most 2<sup>-8</sup> (half a unit in the
 *       last of bf16's 8 significant bits); infinities and NaN survive.
 *   <li>{@link #INT8}: per row a little-endian fp32 scale {@code s = max|row| / 127}, then one
 *       signed byte {@code q = round(x / s)} an element; decoded as {@code q · s}, so the absolute
 *       error of an element is at most {@code s / 2 = max|row| / 254}. Finite input only.
 * </ul>
 *
 * <p>Encoding reads the array's off-heap memory in bulk and writes straight into the target buffer;
 * decoding fills an fp32 array's off-heap memory in bulk, either a new one ({@link #decode}) or one
 * the caller owns and reuses ({@link #decodeInto}). Nothing is boxed and no per-element Java
 * objects are created. Matrices are {@code rows × cols}; 1-D tensors are passed as {@code 1 × n}.
 */
public enum TensorCodec {
    FP32(0),
    BF16(1),
    INT8(2);

    /** Elements converted per bulk step in the bf16/int8 loops (a few KiB of heap scratch). */
    private static final int STEP = 4096;

    private final int id;

    TensorCodec(int id) {
        this.id = id;
    }

    /** The codec's number on the wire (one byte). */
    public int id() {
        return id;
    }

    /** The codec with wire number {@code id}; a clear error for any other number. */
    public static TensorCodec fromId(int id) {
        for (TensorCodec c : values()) {
            if (c.id == id) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown tensor codec id " + id);
    }

    /** Bytes this codec writes for a {@code rows × cols} matrix. */
    public long encodedBytes(long rows, long cols) {
        long n = rows * cols;
        return switch (this) {
            case FP32 -> 4 * n;
            case BF16 -> 2 * n;
            case INT8 -> 4 * rows + n;
        };
    }

    /**
     * Writes {@code matrix} at {@code dst}'s position and advances it by {@link #encodedBytes}.
     *
     * @param matrix a rank-2 array of any float type; converted to fp32 first if needed
     * @throws IllegalArgumentException if {@code dst} has too little room, or INT8 meets a
     *     non-finite value
     */
    public void encode(INDArray matrix, ByteBuffer dst) {
        if (matrix.rank() != 2) {
            throw new IllegalArgumentException("codec encodes matrices, got rank " + matrix.rank());
        }
        long rows = matrix.rows();
        long cols = matrix.columns();
        long size = encodedBytes(rows, cols);
        if (dst.remaining() < size) {
            throw new IllegalArgumentException(
                    name() + " needs " + size + " bytes but only " + dst.remaining() + " remain");
        }
        FloatBuffer src = hostFloats(matrix);
        ByteBuffer out = dst.slice().order(ByteOrder.LITTLE_ENDIAN);
        switch (this) {
            case FP32 -> out.asFloatBuffer().put(src);
            case BF16 -> encodeBf16(src, out.asShortBuffer());
            case INT8 -> encodeInt8(src, (int) rows, (int) cols, out);
        }
        dst.position(dst.position() + (int) size);
    }

    /**
     * Reads a {@code rows × cols} matrix at {@code src}'s position and advances it.
     *
     * @return a new fp32 c-order array
     * @throws IllegalArgumentException if {@code src} holds fewer bytes than the matrix needs
     */
    public INDArray decode(ByteBuffer src, int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape " + rows + "×" + cols);
        }
        // Checked before allocating, so a lying shape costs no memory.
        requireEncoded(src, rows, cols);
        return decodeInto(src, Nd4j.createUninitialized(DataType.FLOAT, rows, cols));
    }

    /**
     * Reads a matrix of {@code dst}'s shape at {@code src}'s position into {@code dst}'s own
     * memory, overwriting every element, and advances {@code src}. Nothing is allocated per element
     * and nothing is written unless {@code src} holds the whole matrix, so a caller that reuses
     * {@code dst} across messages never sees part of one message mixed into another.
     *
     * @param dst a dense fp32 c-order matrix that is not a view (as {@link #decode} returns)
     * @return {@code dst}
     * @throws IllegalArgumentException if {@code dst} is not such a matrix, or {@code src} holds
     *     fewer bytes than the matrix needs
     */
    public INDArray decodeInto(ByteBuffer src, INDArray dst) {
        requireDenseFloatMatrix(dst);
        int rows = (int) dst.rows();
        int cols = (int) dst.columns();
        long size = requireEncoded(src, rows, cols);
        if (dst.length() == 0) {
            src.position(src.position() + (int) size);
            return dst;
        }
        FloatBuffer out = dst.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
        ByteBuffer in = src.slice().order(ByteOrder.LITTLE_ENDIAN);
        in.limit((int) size);
        // FP32 on a little-endian host: both sides have the same byte order, so the bulk put is one
        // memory copy. Every codec writes all rows × cols elements of dst.
        switch (this) {
            case FP32 -> out.put(in.asFloatBuffer());
            case BF16 -> decodeBf16(in.asShortBuffer(), out);
            case INT8 -> decodeInt8(in, rows, cols, out);
        }
        src.position(src.position() + (int) size);
        return dst;
    }

    /** The encoded size of a {@code rows × cols} matrix, after checking {@code src} holds it. */
    private long requireEncoded(ByteBuffer src, int rows, int cols) {
        long size = encodedBytes(rows, cols);
        if (src.remaining() < size) {
            throw new IllegalArgumentException(
                    name()
                            + " "
                            + rows
                            + "×"
                            + cols
                            + " needs "
                            + size
                            + " bytes but only "
                            + src.remaining()
                            + " remain");
        }
        return size;
    }

    private static void requireDenseFloatMatrix(INDArray dst) {
        if (dst.rank() != 2
                || dst.dataType() != DataType.FLOAT
                || dst.ordering() != 'c'
                || (dst.length() > 0 && (dst.isView() || dst.data().length() != dst.length()))) {
            throw new IllegalArgumentException(
                    "decode target must be a dense fp32 c-order matrix, got "
                            + dst.dataType()
                            + " rank "
                            + dst.rank()
                            + " order "
                            + dst.ordering()
                            + (dst.isView() ? " (a view)" : ""));
        }
    }

    /**
     * The array's elements as a host float buffer in row-major order: the array's own memory when
     * it already is a dense fp32 c-order array, otherwise a dense copy.
     */
    private static FloatBuffer hostFloats(INDArray matrix) {
        INDArray dense = matrix;
        if (dense.dataType() != DataType.FLOAT) {
            dense = dense.castTo(DataType.FLOAT);
        }
        if (dense.isView() || dense.ordering() != 'c' || dense.data().length() != dense.length()) {
            dense = dense.dup('c');
        }
        // Pending ops must land before the memory is read directly.
        Nd4j.getExecutioner().commit();
        if (dense.length() == 0) {
            return FloatBuffer.allocate(0);
        }
        FloatBuffer floats = dense.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
        floats.limit((int) dense.length());
        return floats;
    }

    private static void encodeBf16(FloatBuffer src, ShortBuffer out) {
        float[] f = new float[STEP];
        short[] s = new short[STEP];
        while (src.hasRemaining()) {
            int n = Math.min(STEP, src.remaining());
            src.get(f, 0, n);
            for (int i = 0; i < n; i++) {
                s[i] = HalfFloats.floatToBf16(f[i]);
            }
            out.put(s, 0, n);
        }
    }

    private static void decodeBf16(ShortBuffer in, FloatBuffer dst) {
        short[] s = new short[STEP];
        float[] f = new float[STEP];
        while (in.hasRemaining()) {
            int n = Math.min(STEP, in.remaining());
            in.get(s, 0, n);
            for (int i = 0; i < n; i++) {
                f[i] = HalfFloats.bf16ToFloat(s[i]);
            }
            dst.put(f, 0, n);
        }
    }

    private static void encodeInt8(FloatBuffer src, int rows, int cols, ByteBuffer out) {
        FloatBuffer scales = out.asFloatBuffer();
        ByteBuffer values = out.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        values.position(4 * rows);
        float[] row = new float[cols];
        byte[] q = new byte[cols];
        for (int r = 0; r < rows; r++) {
            src.get(row, 0, cols);
            float maxAbs = 0f;
            for (int c = 0; c < cols; c++) {
                float v = row[c];
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException(
                            "INT8 cannot encode non-finite value " + v + " at row " + r);
                }
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
            float scale = maxAbs / 127f;
            float inv = scale == 0f ? 0f : 1f / scale;
            for (int c = 0; c < cols; c++) {
                int v = Math.round(row[c] * inv);
                q[c] = (byte) Math.max(-127, Math.min(127, v));
            }
            scales.put(scale);
            values.put(q, 0, cols);
        }
    }

    private static void decodeInt8(ByteBuffer in, int rows, int cols, FloatBuffer dst) {
        FloatBuffer scales = in.asFloatBuffer();
        ByteBuffer values = in.duplicate();
        values.position(4 * rows);
        byte[] q = new byte[cols];
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            float scale = scales.get(r);
            values.get(q, 0, cols);
            for (int c = 0; c < cols; c++) {
                row[c] = q[c] * scale;
            }
            dst.put(row, 0, cols);
        }
    }
}
