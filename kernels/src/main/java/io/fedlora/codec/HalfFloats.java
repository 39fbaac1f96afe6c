package io.fedlora.codec;

/**
 * Conversions between float32 and the two 16-bit float formats of safetensors files: bfloat16 (the
 * top 16 bits of a float32) and IEEE 754 binary16 (F16). Java 17 has neither built in.
 */
public final class HalfFloats {

    private HalfFloats() {}

    /** The bfloat16 nearest to {@code f} (ties to even); NaN stays NaN, infinities stay. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            // Keep the sign and force a quiet-NaN mantissa bit so truncation cannot yield ±inf.
            return (short) ((bits >>> 16) | 0x0040);
        }
        // Round to nearest even on the 16 bits that are dropped; an overflow of the mantissa
        // carries into the exponent, which is the correct rounding (up to infinity at the top).
        int lsb = (bits >>> 16) & 1;
        int rounded = bits + 0x7FFF + lsb;
        return (short) (rounded >>> 16);
    }

    /** The float32 whose top 16 bits are {@code bf16} (exact). */
    public static float bf16ToFloat(short bf16) {
        return Float.intBitsToFloat((bf16 & 0xFFFF) << 16);
    }

    /** The float32 equal to the IEEE binary16 value {@code half} (exact, subnormals included). */
    public static float f16ToFloat(short half) {
        int h = half & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1F;
        int mantissa = h & 0x3FF;
        if (exponent == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F80_0000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // Zero or subnormal: mantissa · 2^-24, exactly representable in float32.
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
    }
}
