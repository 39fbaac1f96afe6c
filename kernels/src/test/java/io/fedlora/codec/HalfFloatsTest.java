package io.fedlora.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HalfFloatsTest {

    /** Every one of the 65,536 F16 patterns against the IEEE formula evaluated in doubles. */
    @Test
    void shouldDecodeEveryF16PatternByTheIeeeFormula() {
        for (int h = 0; h < 0x10000; h++) {
            int sign = h >>> 15;
            int exponent = (h >>> 10) & 0x1F;
            int mantissa = h & 0x3FF;
            float actual = HalfFloats.f16ToFloat((short) h);
            double expected;
            if (exponent == 0x1F) {
                if (mantissa != 0) {
                    assertTrue(Float.isNaN(actual), "NaN pattern " + h);
                    continue;
                }
                expected = Double.POSITIVE_INFINITY;
            } else if (exponent == 0) {
                expected = Math.scalb((double) mantissa, -24);
            } else {
                expected = Math.scalb(1.0 + mantissa / 1024.0, exponent - 15);
            }
            expected = sign == 1 ? -expected : expected;
            assertEquals(
                    Double.doubleToRawLongBits(expected),
                    Double.doubleToRawLongBits(actual),
                    "pattern 0x" + Integer.toHexString(h));
        }
    }

    @Test
    void shouldKeepBf16NanAndInfinities() {
        assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.NaN))));
        // A NaN whose payload lies only in the dropped bits must not turn into infinity.
        float lowPayloadNan = Float.intBitsToFloat(0x7F80_0001);
        assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(lowPayloadNan))));
        assertEquals(
                Float.POSITIVE_INFINITY,
                HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.POSITIVE_INFINITY)));
        assertEquals(
                Float.NEGATIVE_INFINITY,
                HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.NEGATIVE_INFINITY)));
        // The largest float rounds up past bf16's largest finite value.
        assertEquals(
                Float.POSITIVE_INFINITY,
                HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.MAX_VALUE)));
        assertEquals(-0f, HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(-0f)));
        assertEquals(0x8000, HalfFloats.floatToBf16(-0f) & 0xFFFF);
    }
}
