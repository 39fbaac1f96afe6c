package io.fedlora.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class SafeTensorsTest {

    @TempDir Path dir;

    /** Values that stress bit-exactness: signed zero, infinities, subnormals, extremes. */
    private static final float[] SPECIAL = {
        0f,
        -0f,
        1f,
        -1f,
        Float.MIN_VALUE,
        -Float.MIN_VALUE,
        Float.MIN_NORMAL,
        Float.MAX_VALUE,
        -Float.MAX_VALUE,
        Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY,
        1e-40f,
        0.1f,
        (float) Math.PI
    };

    static float[] randomFloats(SplittableRandom rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            // Random bit patterns cover every exponent; NaNs are replaced by specials.
            float f = Float.intBitsToFloat(rng.nextInt());
            v[i] = Float.isNaN(f) ? SPECIAL[i % SPECIAL.length] : f;
        }
        System.arraycopy(SPECIAL, 0, v, 0, Math.min(n, SPECIAL.length));
        return v;
    }

    @Test
    void shouldWriteF32ThatAnIndependentReaderSeesBitExact() throws IOException {
        SplittableRandom rng = new SplittableRandom(7);
        float[] m = randomFloats(rng, 3 * 5);
        float[] v = randomFloats(rng, 4);
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("layer.weight", Nd4j.create(m, new long[] {3, 5}, 'c'));
        tensors.put("layer.bias", Nd4j.create(v, new long[] {4}, 'c'));
        Path file = dir.resolve("t.safetensors");

        SafeTensors.write(file, tensors, Map.of("k", "v", "round", "3"));

        IndependentSafeTensorsReader.Parsed p = IndependentSafeTensorsReader.parse(file);
        assertEquals(0, p.headerLength() % 8, "header padded to 8 bytes");
        assertEquals(List.of("layer.weight", "layer.bias"), List.copyOf(p.tensors().keySet()));
        assertEquals(Map.of("k", "v", "round", "3"), p.metadata());
        IndependentSafeTensorsReader.Raw w = p.tensors().get("layer.weight");
        assertEquals("F32", w.dtype());
        assertArrayEquals(new long[] {3, 5}, w.shape());
        for (int i = 0; i < m.length; i++) {
            assertEquals(Float.floatToRawIntBits(m[i]), w.floatBits(i), "element " + i);
        }
        IndependentSafeTensorsReader.Raw b = p.tensors().get("layer.bias");
        for (int i = 0; i < v.length; i++) {
            assertEquals(Float.floatToRawIntBits(v[i]), b.floatBits(i));
        }
        assertEquals(
                Files.size(file),
                8 + p.headerLength() + 4L * (m.length + v.length),
                "nothing but header and data");
    }

    @Test
    void shouldWriteViewsAndFortranOrderInRowMajorOrder() throws IOException {
        INDArray base = Nd4j.create(new float[] {1, 2, 3, 4, 5, 6}, new long[] {2, 3}, 'c');
        INDArray transposedView = base.transpose(); // 3×2 view of base: rows 1 4 / 2 5 / 3 6
        INDArray fortran = base.dup('f');
        Path file = dir.resolve("views.safetensors");

        SafeTensors.write(file, Map.of("t", transposedView), Map.of());
        IndependentSafeTensorsReader.Raw t =
                IndependentSafeTensorsReader.parse(file).tensors().get("t");
        float[] expected = {1, 4, 2, 5, 3, 6};
        for (int i = 0; i < 6; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), t.floatBits(i));
        }
        SafeTensors.write(file, Map.of("f", fortran), Map.of());
        IndependentSafeTensorsReader.Raw f =
                IndependentSafeTensorsReader.parse(file).tensors().get("f");
        for (int i = 0; i < 6; i++) {
            assertEquals(Float.floatToRawIntBits(i + 1f), f.floatBits(i));
        }
    }

    @Test
    void shouldWriteARowSliceViewWithoutItsParent() throws IOException {
        INDArray base = Nd4j.create(new double[] {1, 2, 3, 4, 5, 6}, new long[] {3, 2}, 'c');
        INDArray middleRows = base.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all());
        Path file = dir.resolve("slice.safetensors");

        SafeTensors.write(file, Map.of("s", middleRows), Map.of(), DType.F64);

        IndependentSafeTensorsReader.Raw s =
                IndependentSafeTensorsReader.parse(file).tensors().get("s");
        assertArrayEquals(new long[] {2, 2}, s.shape());
        assertEquals(32, s.bytes().length);
        for (int i = 0; i < 4; i++) {
            assertEquals(Double.doubleToRawLongBits(i + 3.0), s.longAt(i));
        }
    }

    @Test
    void shouldRoundTripEveryWrittenTypeBitExact() {
        SplittableRandom rng = new SplittableRandom(11);
        float[] f = randomFloats(rng, 2 * 3 * 4);
        double[] d = new double[6];
        for (int i = 0; i < d.length; i++) {
            d[i] = Double.longBitsToDouble(rng.nextLong() & 0x7FEF_FFFF_FFFF_FFFFL);
        }
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("f", Nd4j.create(f, new long[] {2, 3, 4}, 'c'));
        tensors.put(
                "i64", Nd4j.createFromArray(Long.MIN_VALUE, -1L, 0L, Long.MAX_VALUE).reshape(2, 2));
        tensors.put("i32", Nd4j.createFromArray(Integer.MIN_VALUE, 7, Integer.MAX_VALUE));
        tensors.put("scalar", Nd4j.scalar(2.5f));
        tensors.put("empty", Nd4j.create(DataType.FLOAT, 0, 4));
        Path file = dir.resolve("rt.safetensors");
        SafeTensors.write(file, tensors, Map.of("a", "b"));
        Path file64 = dir.resolve("rt64.safetensors");
        SafeTensors.write(
                file64, Map.of("d", Nd4j.create(d, new long[] {3, 2}, 'c')), Map.of(), DType.F64);

        SafeTensorsFile back = SafeTensors.read(file);
        assertEquals(
                List.of("f", "i64", "i32", "scalar", "empty"),
                List.copyOf(back.tensors().keySet()));
        assertArrayEquals(new long[] {0, 4}, back.tensors().get("empty").shape());
        assertEquals(DataType.FLOAT, back.tensors().get("empty").dataType());
        assertEquals(Map.of("a", "b"), back.metadata());
        INDArray fb = back.tensors().get("f");
        assertEquals(DataType.FLOAT, fb.dataType());
        assertArrayEquals(new long[] {2, 3, 4}, fb.shape());
        float[] fv = fb.data().asFloat();
        for (int i = 0; i < f.length; i++) {
            assertEquals(Float.floatToRawIntBits(f[i]), Float.floatToRawIntBits(fv[i]));
        }
        INDArray l = back.tensors().get("i64");
        assertEquals(DataType.LONG, l.dataType());
        assertArrayEquals(new long[] {Long.MIN_VALUE, -1L, 0L, Long.MAX_VALUE}, l.data().asLong());
        assertArrayEquals(new long[] {2, 2}, l.shape());
        INDArray i32 = back.tensors().get("i32");
        assertEquals(DataType.INT, i32.dataType());
        assertArrayEquals(new int[] {Integer.MIN_VALUE, 7, Integer.MAX_VALUE}, i32.data().asInt());
        assertEquals(0, back.tensors().get("scalar").rank());
        assertEquals(2.5f, back.tensors().get("scalar").getFloat(0));

        INDArray db = SafeTensors.read(file64).tensors().get("d");
        assertEquals(DataType.DOUBLE, db.dataType());
        double[] dv = db.data().asDouble();
        for (int i = 0; i < d.length; i++) {
            assertEquals(Double.doubleToRawLongBits(d[i]), Double.doubleToRawLongBits(dv[i]));
        }
    }

    @Test
    void shouldReadF16Bf16AndF64WrittenByHand() throws IOException {
        // F16: 1, -2, 65504 (max), 2^-24 (smallest subnormal), +inf; BF16: 1, -0.5, 3.140625
        byte[] f16 =
                CraftedFiles.littleEndianShorts(0x3C00, 0xC000, 0x7BFF, 0x0001, 0x7C00, 0x0000);
        byte[] bf16 = CraftedFiles.littleEndianShorts(0x3F80, 0xBF00, 0x4049, 0x0000);
        ByteBuffer f64 = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        f64.putDouble(1.0 / 3).putDouble(-1e300);
        byte[] data = new byte[12 + 8 + 16];
        System.arraycopy(f16, 0, data, 0, 12);
        System.arraycopy(bf16, 0, data, 12, 8);
        System.arraycopy(f64.array(), 0, data, 20, 16);
        String header =
                "{\"h\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,12]},"
                        + "\"b\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[12,20]},"
                        + "\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[20,36]}}";
        Path file = CraftedFiles.write(dir.resolve("halves.safetensors"), header, data);

        SafeTensorsFile back = SafeTensors.read(file);

        INDArray h = back.tensors().get("h");
        assertEquals(DataType.FLOAT, h.dataType());
        assertArrayEquals(new long[] {2, 3}, h.shape());
        assertArrayEquals(
                new float[] {1f, -2f, 65504f, 0x1p-24f, Float.POSITIVE_INFINITY, 0f},
                h.data().asFloat());
        assertArrayEquals(
                new float[] {1f, -0.5f, 3.140625f, 0f}, back.tensors().get("b").data().asFloat());
        assertArrayEquals(
                new double[] {1.0 / 3, -1e300}, back.tensors().get("d").data().asDouble());
    }

    @Test
    void shouldStoreBf16RoundedToNearestEvenAndExactWhenRepresentable() throws IOException {
        SplittableRandom rng = new SplittableRandom(3);
        int n = 4096;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(-20, 20)));
        }
        // Exactly representable in bf16: the low 16 bits are zero; ties: the low 16 bits are
        // 0x8000.
        v[0] = Float.intBitsToFloat(0x3F81_0000);
        v[1] = Float.intBitsToFloat(0x3F81_8000); // tie, odd upper half rounds up to 0x3F82
        v[2] = Float.intBitsToFloat(0x3F82_8000); // tie, even upper half stays 0x3F82
        Path file = dir.resolve("bf16.safetensors");

        SafeTensors.write(
                file, Map.of("x", Nd4j.create(v, new long[] {n}, 'c')), Map.of(), DType.BF16);

        IndependentSafeTensorsReader.Raw raw =
                IndependentSafeTensorsReader.parse(file).tensors().get("x");
        assertEquals("BF16", raw.dtype());
        float[] back = SafeTensors.read(file).tensors().get("x").data().asFloat();
        for (int i = 0; i < n; i++) {
            int expected = nearestBf16(v[i]);
            assertEquals(expected, raw.halfBits(i) & 0xFFFF, "element " + i + " = " + v[i]);
            assertEquals(Float.intBitsToFloat(expected << 16), back[i]);
            assertTrue(
                    Math.abs(back[i] - v[i]) <= Math.abs(v[i]) * 0x1p-8, "within bf16 precision");
        }
        assertEquals(v[0], back[0], "representable values are exact");
        assertEquals(0x3F82, raw.halfBits(1) & 0xFFFF);
        assertEquals(0x3F82, raw.halfBits(2) & 0xFFFF);
    }

    /** Nearest bf16 by comparing distances in double arithmetic; ties to the even pattern. */
    private static int nearestBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int down = bits >>> 16;
        int up = down + 1;
        double dDown = Math.abs((double) Float.intBitsToFloat(down << 16) - f);
        double dUp = Math.abs((double) Float.intBitsToFloat(up << 16) - f);
        if (dDown < dUp) {
            return down;
        }
        if (dUp < dDown) {
            return up & 0xFFFF;
        }
        return (down & 1) == 0 ? down : up & 0xFFFF;
    }

    @Test
    void shouldReplaceFilesAtomicallyAndLeaveNoTemporaryFiles() throws IOException {
        Path file = dir.resolve("a.safetensors");
        SafeTensors.write(file, Map.of("x", Nd4j.ones(DataType.FLOAT, 2)), Map.of());
        long before = Files.size(file);
        INDArray bool = Nd4j.create(DataType.BOOL, 3);

        assertThrows(
                IllegalArgumentException.class,
                () -> SafeTensors.write(file, Map.of("x", bool), Map.of()));

        assertEquals(before, Files.size(file), "a failed write leaves the old file");
        SafeTensors.write(file, Map.of("y", Nd4j.ones(DataType.FLOAT, 5)), Map.of());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary files left behind");
        }
        assertEquals(List.of("y"), List.copyOf(SafeTensors.read(file).tensors().keySet()));
    }

    // ---- validation: each crafted defect gives a one-line message naming the file and problem

    private static final String GOOD_ENTRY =
            "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    private void assertRejected(Path file, String expectedPhrase) {
        SafeTensorsFormatException e =
                assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.read(file));
        String msg = e.getMessage();
        assertFalse(msg.contains("\n") || msg.contains("\r"), "one line: " + msg);
        assertTrue(msg.startsWith(file.toString()), "names the file: " + msg);
        assertTrue(msg.contains(expectedPhrase), "expected '" + expectedPhrase + "' in: " + msg);
        assertTrue(msg.endsWith("."), "a sentence: " + msg);
        assertEquals(file, e.path());
    }

    @Test
    void shouldRejectFileShorterThanLengthPrefix() throws IOException {
        Path file = dir.resolve("short.safetensors");
        Files.write(file, new byte[] {1, 2, 3, 4, 5});
        assertRejected(file, "is 5 bytes, shorter than the 8-byte header length");
    }

    @Test
    void shouldRejectHeaderLengthBeyondTheFile() throws IOException {
        String h = "{" + GOOD_ENTRY + "}";
        Path file = CraftedFiles.write(dir.resolve("long.safetensors"), 4096, h, new byte[8]);
        assertRejected(file, "header length 4096 is larger than the");
    }

    @Test
    void shouldRejectHeaderLengthAboveTheCap() throws IOException {
        Path file = CraftedFiles.write(dir.resolve("cap.safetensors"), 1L << 40, "{}", new byte[0]);
        assertRejected(file, "header length 1099511627776 exceeds the limit of 104857600 bytes");
        Path huge = CraftedFiles.write(dir.resolve("huge.safetensors"), -1L, "{}", new byte[0]);
        assertRejected(huge, "header length 18446744073709551615 exceeds the limit");
    }

    @Test
    void shouldRejectMalformedJson() throws IOException {
        Path file =
                CraftedFiles.write(
                        dir.resolve("json.safetensors"), "{\"w\":{\"dtype\":\"F32\",", new byte[0]);
        assertRejected(file, "the header is not valid JSON");
        Path array = CraftedFiles.write(dir.resolve("array.safetensors"), "[1,2]   ", new byte[0]);
        assertRejected(array, "the header is not a JSON object");
        Path dup =
                CraftedFiles.write(
                        dir.resolve("dup.safetensors"),
                        "{" + GOOD_ENTRY + "," + GOOD_ENTRY + "}",
                        new byte[8]);
        assertRejected(dup, "Duplicate field 'w'");
        Path trailing =
                CraftedFiles.write(
                        dir.resolve("tokens.safetensors"), "{" + GOOD_ENTRY + "} {}", new byte[8]);
        assertRejected(trailing, "the header is not valid JSON (Trailing token");
    }

    @Test
    void shouldRejectUnknownAndUnsupportedDtypes() throws IOException {
        Path unknown =
                CraftedFiles.write(
                        dir.resolve("unknown.safetensors"),
                        "{\"w\":{\"dtype\":\"F33\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                        new byte[8]);
        assertRejected(unknown, "unknown dtype F33 for tensor w");
        Path unsupported =
                CraftedFiles.write(
                        dir.resolve("u8.safetensors"),
                        "{\"w\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}",
                        new byte[2]);
        assertRejected(unsupported, "unsupported dtype U8 for tensor w");
    }

    @Test
    void shouldRejectShapeThatDisagreesWithByteSpan() throws IOException {
        Path file =
                CraftedFiles.write(
                        dir.resolve("span.safetensors"),
                        "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",
                        new byte[8]);
        assertRejected(
                file, "tensor w has shape [3] of F32 (12 bytes) but its data_offsets span 8 bytes");
        Path negative =
                CraftedFiles.write(
                        dir.resolve("neg.safetensors"),
                        "{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}",
                        new byte[8]);
        assertRejected(negative, "expected a non-negative integer");
    }

    @Test
    void shouldRejectOffsetsOutsideTheDataSectionAndTruncatedData() throws IOException {
        String h =
                "{"
                        + GOOD_ENTRY
                        + ",\"v\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        Path truncated = CraftedFiles.write(dir.resolve("trunc.safetensors"), h, new byte[10]);
        assertRejected(
                truncated,
                "truncated or the offsets are out of range: tensor v needs bytes [8, 12)");
        Path beyond =
                CraftedFiles.write(
                        dir.resolve("beyond.safetensors"),
                        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[100,108]}}",
                        new byte[8]);
        assertRejected(beyond, "out of range: tensor w needs bytes [100, 108)");
        Path reversed =
                CraftedFiles.write(
                        dir.resolve("rev.safetensors"),
                        "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}",
                        new byte[8]);
        assertRejected(reversed, "whose begin is after its end");
    }

    @Test
    void shouldRejectOverlappingTensors() throws IOException {
        String h =
                "{"
                        + GOOD_ENTRY
                        + ",\"v\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        Path file = CraftedFiles.write(dir.resolve("overlap.safetensors"), h, new byte[12]);
        assertRejected(file, "tensors w and v overlap in the data section");
    }

    @Test
    void shouldRejectDataNotCoveredByTensors() throws IOException {
        String gap = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        Path file = CraftedFiles.write(dir.resolve("gap.safetensors"), gap, new byte[12]);
        assertRejected(file, "bytes [0, 4) of the data section belong to no tensor");
        Path trailing =
                CraftedFiles.write(
                        dir.resolve("trailing.safetensors"), "{" + GOOD_ENTRY + "}", new byte[9]);
        assertRejected(
                trailing,
                "the tensors cover 8 bytes of the data section but the file holds 9 bytes");
    }

    @Test
    void shouldRejectNonStringMetadataAndMissingFields() throws IOException {
        Path meta =
                CraftedFiles.write(
                        dir.resolve("meta.safetensors"),
                        "{\"__metadata__\":{\"epoch\":3}," + GOOD_ENTRY + "}",
                        new byte[8]);
        assertRejected(meta, "__metadata__ value of \"epoch\" must be a string");
        Path noShape =
                CraftedFiles.write(
                        dir.resolve("noshape.safetensors"),
                        "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}",
                        new byte[8]);
        assertRejected(noShape, "tensor w has no array field \"shape\"");
    }

    @Test
    void shouldRejectMissingFile() {
        assertRejected(dir.resolve("absent.safetensors"), "the file does not exist");
    }

    @Test
    void shouldAcceptAnEmptyFileHeaderAndSpacePadding() throws IOException {
        Path file = CraftedFiles.write(dir.resolve("empty.safetensors"), "{}      ", new byte[0]);
        SafeTensorsFile back = SafeTensors.read(file);
        assertTrue(back.tensors().isEmpty());
        assertTrue(back.metadata().isEmpty());
    }
}
