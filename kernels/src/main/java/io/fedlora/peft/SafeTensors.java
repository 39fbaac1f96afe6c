package io.fedlora.peft;

import io.fedlora.codec.HalfFloats;
import java.io.EOFException;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads and writes safetensors files (the format of HF {@code safetensors}).
 *
 * <pre>
 *  0               8                         8 + N
 *  +---------------+-------------------------+------------------------------------+
 *  | N (u64, LE)   | header: UTF-8 JSON,     | data section: raw little-endian    |
 *  |               | space-padded to 8 bytes | tensor bytes, row-major, tiled by  |
 *  |               |                         | each entry's data_offsets          |
 *  +---------------+-------------------------+------------------------------------+
 * </pre>
 *
 * The header maps each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}}
 * (offsets relative to the data section) and may hold {@code "__metadata__"}, a string → string
 * map.
 *
 * <p>Reading maps each tensor's span of the file and copies it in bulk into a new INDArray: F32,
 * F16 and BF16 become FLOAT, F64 DOUBLE, I64 LONG and I32 INT. Other dtypes are refused. Every
 * violation of the format is a {@link SafeTensorsFormatException} whose one-line message names the
 * file and the problem.
 *
 * <p>Writing stores floating-point arrays as F32 (default), BF16 (round to nearest even) or F64 —
 * or each as its own type ({@link #writeLossless}) — LONG arrays as I64 and INT arrays as I32, in
 * the order of the given map, atomically (temporary file, then rename).
 */
public final class SafeTensors {

    /** Headers beyond this are refused rather than allocated: 100 MiB. */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final int LENGTH_PREFIX_BYTES = 8;

    /**
     * The file is little-endian; on such machines ND4J's buffers can take its bytes as they are.
     */
    private static final boolean NATIVE_LITTLE_ENDIAN =
            ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private SafeTensors() {}

    /** Reads a whole file. */
    public static SafeTensorsFile read(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            SafeTensorsHeader header = readHeader(path, ch);
            long dataStart = ch.size() - header.dataLength();
            Map<String, INDArray> tensors = new LinkedHashMap<>();
            for (TensorEntry e : header.entries()) {
                tensors.put(e.name(), decode(path, ch, dataStart, e));
            }
            return new SafeTensorsFile(tensors, header.metadata());
        } catch (NoSuchFileException e) {
            throw new SafeTensorsFormatException(path, "the file does not exist", e);
        } catch (IOException e) {
            throw new SafeTensorsFormatException(path, "the file could not be read (" + e + ")", e);
        }
    }

    /** Reads and validates only the header (names, dtypes, shapes, offsets and metadata). */
    public static SafeTensorsHeader readHeader(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return readHeader(path, ch);
        } catch (NoSuchFileException e) {
            throw new SafeTensorsFormatException(path, "the file does not exist", e);
        } catch (IOException e) {
            throw new SafeTensorsFormatException(path, "the file could not be read (" + e + ")", e);
        }
    }

    /** Writes {@code tensors} with floats stored as F32. */
    public static void write(
            Path path, Map<String, INDArray> tensors, Map<String, String> metadata) {
        write(path, tensors, metadata, DType.F32);
    }

    /**
     * Writes {@code tensors} in map order, converting every floating-point array to {@code
     * floatStorage}.
     *
     * @param floatStorage how floating-point arrays are stored: F32, BF16 or F64
     * @throws IllegalArgumentException for a storage type other than those, a reserved or empty
     *     tensor name, or an array of a type with no safetensors counterpart here
     * @throws SafeTensorsFormatException if the file cannot be written
     */
    public static void write(
            Path path,
            Map<String, INDArray> tensors,
            Map<String, String> metadata,
            DType floatStorage) {
        if (floatStorage != DType.F32 && floatStorage != DType.BF16 && floatStorage != DType.F64) {
            throw new IllegalArgumentException(
                    "floating-point tensors can be stored as F32, BF16 or F64, not "
                            + floatStorage);
        }
        write(path, tensors, metadata, (name, type) -> storageType(name, type, floatStorage));
    }

    /**
     * Writes {@code tensors} in map order without losing a bit: DOUBLE as F64, FLOAT and HALF as
     * F32, BFLOAT16 as BF16, LONG as I64, INT as I32.
     */
    public static void writeLossless(
            Path path, Map<String, INDArray> tensors, Map<String, String> metadata) {
        write(
                path,
                tensors,
                metadata,
                (name, type) ->
                        switch (type) {
                            case DOUBLE -> DType.F64;
                            case FLOAT, HALF -> DType.F32;
                            case BFLOAT16 -> DType.BF16;
                            default -> storageType(name, type, DType.F32);
                        });
    }

    private static void write(
            Path path,
            Map<String, INDArray> tensors,
            Map<String, String> metadata,
            BiFunction<String, DataType, DType> storage) {
        List<TensorEntry> entries = new ArrayList<>();
        List<INDArray> arrays = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, INDArray> t : tensors.entrySet()) {
            String name = t.getKey();
            if (name.isEmpty() || name.equals(SafeTensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException(
                        "tensor name \"" + name + "\" is reserved or empty");
            }
            INDArray array = t.getValue();
            DType dtype = storage.apply(name, array.dataType());
            long end = offset + array.length() * dtype.bytes();
            entries.add(new TensorEntry(name, dtype, array.shape(), offset, end));
            arrays.add(array);
            offset = end;
        }
        byte[] header = new SafeTensorsHeader(entries, metadata).encode();
        try {
            AtomicFiles.write(
                    path,
                    ch -> {
                        ByteBuffer prefix =
                                ByteBuffer.allocate(LENGTH_PREFIX_BYTES)
                                        .order(ByteOrder.LITTLE_ENDIAN)
                                        .putLong(header.length)
                                        .flip();
                        writeFully(ch, prefix);
                        writeFully(ch, ByteBuffer.wrap(header));
                        for (int i = 0; i < entries.size(); i++) {
                            writeTensor(ch, arrays.get(i), entries.get(i).dtype());
                        }
                    });
        } catch (IOException e) {
            throw new SafeTensorsFormatException(
                    path, "the file could not be written (" + e + ")", e);
        }
    }

    /** Floating-point arrays as {@code floatStorage}, LONG as I64, INT as I32; others refused. */
    private static DType storageType(String name, DataType type, DType floatStorage) {
        return switch (type) {
            case DOUBLE, FLOAT, HALF, BFLOAT16 -> floatStorage;
            case LONG -> DType.I64;
            case INT -> DType.I32;
            default ->
                    throw new IllegalArgumentException(
                            "tensor " + name + " has data type " + type + ", which is not written");
        };
    }

    private static SafeTensorsHeader readHeader(Path path, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < LENGTH_PREFIX_BYTES) {
            throw new SafeTensorsFormatException(
                    path,
                    "the file is "
                            + size
                            + " bytes, shorter than the 8-byte header length that starts every"
                            + " safetensors file");
        }
        ByteBuffer prefix = ByteBuffer.allocate(LENGTH_PREFIX_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, prefix, 0);
        long headerLength = prefix.getLong(0);
        // The prefix is unsigned: a negative long is a length above 2^63.
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw new SafeTensorsFormatException(
                    path,
                    "the header length "
                            + Long.toUnsignedString(headerLength)
                            + " exceeds the limit of "
                            + MAX_HEADER_BYTES
                            + " bytes");
        }
        if (headerLength > size - LENGTH_PREFIX_BYTES) {
            throw new SafeTensorsFormatException(
                    path,
                    "the header length "
                            + headerLength
                            + " is larger than the "
                            + (size - LENGTH_PREFIX_BYTES)
                            + " bytes that follow it in the file");
        }
        ByteBuffer json = ByteBuffer.allocate((int) headerLength);
        readFully(ch, json, LENGTH_PREFIX_BYTES);
        long dataLength = size - LENGTH_PREFIX_BYTES - headerLength;
        return SafeTensorsHeader.parse(path, json.array(), dataLength);
    }

    private static INDArray decode(Path path, FileChannel ch, long dataStart, TensorEntry e)
            throws IOException {
        if (!e.dtype().readable()) {
            throw new SafeTensorsFormatException(
                    path, "unsupported dtype " + e.dtype() + " for tensor " + e.name());
        }
        long count = e.elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new SafeTensorsFormatException(
                    path,
                    "tensor "
                            + e.name()
                            + " has "
                            + count
                            + " elements, more than one Java array can hold");
        }
        long[] shape = e.shape();
        if (count == 0) {
            return Nd4j.create(targetType(e.dtype()), shape);
        }
        DataType target = targetType(e.dtype());
        if (e.dtype() != DType.BF16 && e.dtype() != DType.F16 && NATIVE_LITTLE_ENDIAN) {
            // Same element type on disk and in memory: one copy from the file straight into the
            // array's off-heap buffer, no Java array in between.
            INDArray out = Nd4j.createUninitialized(target, shape, 'c');
            ByteBuffer dst = nativeBytes(out, e.byteLength());
            if (dst != null) {
                readFully(ch, dst, dataStart + e.begin());
                return out;
            }
        }
        MappedByteBuffer mapped =
                ch.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), e.byteLength());
        ByteBuffer bytes = mapped.order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) count;
        return switch (e.dtype()) {
            case F32 -> {
                float[] v = new float[n];
                bytes.asFloatBuffer().get(v);
                yield Nd4j.create(v, shape, 'c');
            }
            case F64 -> {
                double[] v = new double[n];
                bytes.asDoubleBuffer().get(v);
                yield Nd4j.create(v, shape, 'c');
            }
            case BF16, F16 -> {
                short[] halves = new short[n];
                bytes.asShortBuffer().get(halves);
                float[] v = new float[n];
                boolean bf16 = e.dtype() == DType.BF16;
                for (int i = 0; i < n; i++) {
                    v[i] =
                            bf16
                                    ? HalfFloats.bf16ToFloat(halves[i])
                                    : HalfFloats.f16ToFloat(halves[i]);
                }
                yield Nd4j.create(v, shape, 'c');
            }
            case I64 -> {
                long[] v = new long[n];
                bytes.asLongBuffer().get(v);
                yield Nd4j.createFromArray(v).reshape('c', shape);
            }
            case I32 -> {
                int[] v = new int[n];
                bytes.asIntBuffer().get(v);
                yield Nd4j.createFromArray(v).reshape('c', shape);
            }
            default ->
                    throw new SafeTensorsFormatException(
                            path, "unsupported dtype " + e.dtype() + " for tensor " + e.name());
        };
    }

    private static DataType targetType(DType dtype) {
        return switch (dtype) {
            case F64 -> DataType.DOUBLE;
            case I64 -> DataType.LONG;
            case I32 -> DataType.INT;
            default -> DataType.FLOAT;
        };
    }

    /** Appends the array's elements in row-major order, little-endian, as {@code dtype}. */
    private static void writeTensor(FileChannel ch, INDArray array, DType dtype)
            throws IOException {
        long bytes = array.length() * dtype.bytes();
        if (bytes == 0) {
            return;
        }
        DataType memoryType = targetType(dtype);
        // dup('c') gives a dense row-major copy, so a view never leaks its parent's buffer.
        INDArray dense = array.castTo(memoryType).dup('c');
        if (dtype != DType.BF16 && NATIVE_LITTLE_ENDIAN) {
            ByteBuffer src = nativeBytes(dense, bytes);
            if (src != null) {
                writeFully(ch, src);
                // The buffer views off-heap memory that dense owns: keep dense alive until written.
                Reference.reachabilityFence(dense);
                return;
            }
        }
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> out.asFloatBuffer().put(dense.data().asFloat());
            case F64 -> out.asDoubleBuffer().put(dense.data().asDouble());
            case BF16 -> {
                ShortBuffer s = out.asShortBuffer();
                for (float f : dense.data().asFloat()) {
                    s.put(HalfFloats.floatToBf16(f));
                }
            }
            case I64 -> out.asLongBuffer().put(dense.data().asLong());
            case I32 -> out.asIntBuffer().put(dense.data().asInt());
            default -> throw new IllegalStateException("no encoder for " + dtype);
        }
        writeFully(ch, out);
    }

    /**
     * The first {@code byteLength} bytes of a dense array's own off-heap buffer as a direct
     * ByteBuffer, or null if ND4J does not expose it with at least that capacity.
     */
    private static ByteBuffer nativeBytes(INDArray dense, long byteLength) {
        if (byteLength > Integer.MAX_VALUE || dense.data().offset() != 0) {
            return null;
        }
        ByteBuffer nio = dense.data().asNio();
        if (nio == null || !nio.isDirect() || nio.capacity() < byteLength) {
            return null;
        }
        return nio.duplicate().position(0).limit((int) byteLength);
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long position)
            throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, pos);
            if (n < 0) {
                throw new EOFException("unexpected end of file at byte " + pos);
            }
            pos += n;
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            ch.write(src);
        }
    }
}
