package io.fedlora.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class TensorCodecTest {

    private static float[] randomFloats(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            // Spread over several binades so relative-error bounds are exercised.
            v[i] = (float) ((rnd.nextDouble() - 0.5) * Math.pow(10, rnd.nextInt(-3, 3)));
        }
        return v;
    }

    private static INDArray roundTrip(TensorCodec codec, INDArray m, int slack) {
        ByteBuffer buf =
                ByteBuffer.allocateDirect((int) codec.encodedBytes(m.rows(), m.columns()) + slack);
        buf.position(slack);
        codec.encode(m, buf);
        assertEquals(buf.capacity(), buf.position(), "encode advances by encodedBytes");
        buf.position(slack);
        INDArray back = codec.decode(buf, (int) m.rows(), (int) m.columns());
        assertEquals(buf.capacity(), buf.position(), "decode advances by encodedBytes");
        return back;
    }

    @Test
    void shouldRoundTripFp32BitExact() {
        float[] v = randomFloats(37 * 53, 1);
        v[0] = Float.NaN;
        v[1] = Float.NEGATIVE_INFINITY;
        v[2] = Float.MIN_VALUE;
        v[3] = -0f;
        INDArray m = Nd4j.create(v, new long[] {37, 53});
        float[] back = roundTrip(TensorCodec.FP32, m, 3).data().asFloat();
        for (int i = 0; i < v.length; i++) {
            assertEquals(
                    Float.floatToRawIntBits(v[i]),
                    Float.floatToRawIntBits(back[i]),
                    "element " + i);
        }
    }

    @Test
    void shouldWriteFp32AsLittleEndianRowMajor() {
        INDArray m = Nd4j.create(new float[] {1f, 2f, 3f, 4f}, new long[] {2, 2});
        ByteBuffer buf = ByteBuffer.allocate(16);
        TensorCodec.FP32.encode(m.transpose(), buf);
        // The transpose is an f-order view: the wire must still hold its row-major values 1,3,2,4.
        buf.flip();
        assertEquals(Float.floatToIntBits(1f), Integer.reverseBytes(buf.getInt(0)));
        assertEquals(Float.floatToIntBits(3f), Integer.reverseBytes(buf.getInt(4)));
        assertEquals(Float.floatToIntBits(2f), Integer.reverseBytes(buf.getInt(8)));
        assertEquals(Float.floatToIntBits(4f), Integer.reverseBytes(buf.getInt(12)));
    }

    @Test
    void shouldEncodeDoubleAndViewInputsByValue() {
        INDArray big =
                Nd4j.create(randomFloats(8 * 10, 2), new long[] {8, 10}).castTo(DataType.DOUBLE);
        INDArray view =
                big.get(
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 5),
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 9));
        INDArray back = roundTrip(TensorCodec.FP32, view, 0);
        assertEquals(0.0, back.sub(view.castTo(DataType.FLOAT)).norm1Number().doubleValue());
    }

    @Test
    void shouldKeepBf16WithinHalfAnUlp() {
        float[] v = randomFloats(64 * 129, 3);
        INDArray m = Nd4j.create(v, new long[] {64, 129});
        float[] back = roundTrip(TensorCodec.BF16, m, 1).data().asFloat();
        double worst = 0;
        for (int i = 0; i < v.length; i++) {
            if (v[i] != 0f) {
                worst = Math.max(worst, Math.abs(back[i] - v[i]) / Math.abs(v[i]));
            }
        }
        assertTrue(worst <= Math.scalb(1.0, -8), "worst relative error " + worst);
        assertTrue(worst > Math.scalb(1.0, -12), "bf16 must actually drop bits, worst " + worst);
    }

    @Test
    void shouldRoundBf16TiesToEvenAndKeepSpecials() {
        // 1 + 2^-8 is exactly halfway between bf16 neighbours 1 and 1 + 2^-7: ties go to even (1).
        assertEquals(1f, bf16(1f + (float) Math.scalb(1.0, -8)));
        // 1 + 3·2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: even is 1 + 2^-6.
        assertEquals(1f + (float) Math.scalb(1.0, -6), bf16(1f + 3 * (float) Math.scalb(1.0, -8)));
        assertTrue(Float.isNaN(bf16(Float.NaN)));
        assertEquals(Float.POSITIVE_INFINITY, bf16(Float.POSITIVE_INFINITY));
        assertEquals(-2.5f, bf16(-2.5f));
    }

    private static float bf16(float x) {
        return HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(x));
    }

    @Test
    void shouldKeepInt8WithinHalfAStepOfEachRowsScale() {
        int rows = 33;
        int cols = 70;
        float[] v = randomFloats(rows * cols, 4);
        for (int c = 0; c < cols; c++) {
            v[5 * cols + c] = 0f; // an all-zero row has scale 0 and decodes to zeros
        }
        INDArray m = Nd4j.create(v, new long[] {rows, cols});
        float[] back = roundTrip(TensorCodec.INT8, m, 0).data().asFloat();
        for (int r = 0; r < rows; r++) {
            double maxAbs = 0;
            for (int c = 0; c < cols; c++) {
                maxAbs = Math.max(maxAbs, Math.abs(v[r * cols + c]));
            }
            double bound = maxAbs / 254 * (1 + 1e-5);
            for (int c = 0; c < cols; c++) {
                double err = Math.abs(back[r * cols + c] - v[r * cols + c]);
                assertTrue(
                        err <= bound, "row " + r + " col " + c + " error " + err + " > " + bound);
            }
        }
        assertEquals(33 * 4 + 33 * 70, TensorCodec.INT8.encodedBytes(rows, cols));
    }

    @Test
    void shouldRefuseNonFiniteInt8AndShortBuffers() {
        INDArray m = Nd4j.create(new float[] {1f, Float.NaN}, new long[] {1, 2});
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> TensorCodec.INT8.encode(m, ByteBuffer.allocate(64)));
        assertTrue(e.getMessage().contains("non-finite"), e.getMessage());
        IllegalArgumentException shortDst =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> TensorCodec.FP32.encode(m, ByteBuffer.allocate(7)));
        assertTrue(shortDst.getMessage().contains("needs 8 bytes"), shortDst.getMessage());
        IllegalArgumentException shortSrc =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> TensorCodec.BF16.decode(ByteBuffer.allocate(3), 1, 2));
        assertTrue(shortSrc.getMessage().contains("needs 4 bytes"), shortSrc.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TensorCodec.fromId(9));
    }

    @ParameterizedTest
    @EnumSource(TensorCodec.class)
    void shouldDecodeIntoAReusedTargetLikeAFreshOne(TensorCodec codec) {
        INDArray target = Nd4j.createUninitialized(DataType.FLOAT, 9, 31);
        for (long seed = 5; seed < 7; seed++) {
            INDArray m = Nd4j.create(randomFloats(9 * 31, seed), new long[] {9, 31});
            ByteBuffer buf = ByteBuffer.allocate((int) codec.encodedBytes(9, 31));
            codec.encode(m, buf);
            INDArray fresh = codec.decode(buf.flip(), 9, 31);
            assertSame(target, codec.decodeInto(buf.flip(), target));
            assertEquals(buf.limit(), buf.position(), "decodeInto advances by encodedBytes");
            assertArrayEquals(fresh.data().asFloat(), target.data().asFloat(), "seed " + seed);
        }
    }

    @Test
    void shouldRefuseTargetsOfAnotherKindAndLeaveThemUntouchedOnShortInput() {
        ByteBuffer enough = ByteBuffer.allocate(4 * 6);
        for (INDArray bad :
                new INDArray[] {
                    Nd4j.zeros(DataType.DOUBLE, 2, 3),
                    Nd4j.zeros(DataType.FLOAT, 6),
                    Nd4j.zeros(DataType.FLOAT, 3, 2).transpose(),
                    Nd4j.zeros(DataType.FLOAT, 4, 3).get(NDArrayIndex.interval(1, 3)),
                }) {
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> TensorCodec.FP32.decodeInto(enough, bad));
            assertTrue(e.getMessage().contains("dense fp32 c-order"), e.getMessage());
        }
        INDArray target = Nd4j.valueArrayOf(new long[] {2, 3}, 7f);
        ByteBuffer shortSrc = ByteBuffer.allocate(4 * 6 - 1);
        assertThrows(
                IllegalArgumentException.class,
                () -> TensorCodec.FP32.decodeInto(shortSrc, target));
        assertEquals(0, shortSrc.position(), "nothing consumed");
        assertArrayEquals(new float[] {7, 7, 7, 7, 7, 7}, target.data().asFloat());
    }
}
