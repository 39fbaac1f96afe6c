package io.fedlora.peft;

import java.util.Optional;

/**
 * Element types of the safetensors format, by the names its header uses ({@code "F32"}, {@code
 * "BF16"}, …), with their size in bytes. All are little-endian on disk.
 *
 * <p>{@link #readable()} says whether {@link SafeTensors#read} turns tensors of this type into
 * INDArrays: floats become FLOAT (F16, BF16, F32) or DOUBLE (F64), I64 becomes LONG and I32 INT.
 * The other types are recognised, so that a file using them is refused with "unsupported dtype"
 * rather than "unknown dtype".
 */
public enum DType {
    F64(8, true),
    F32(4, true),
    F16(2, true),
    BF16(2, true),
    I64(8, true),
    I32(4, true),
    I16(2, false),
    I8(1, false),
    U64(8, false),
    U32(4, false),
    U16(2, false),
    U8(1, false),
    BOOL(1, false),
    F8_E4M3(1, false),
    F8_E5M2(1, false);

    private final int bytes;
    private final boolean readable;

    DType(int bytes, boolean readable) {
        this.bytes = bytes;
        this.readable = readable;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    public boolean readable() {
        return readable;
    }

    /** The type a header names, if the name is one of the format's (case-sensitive, as written). */
    public static Optional<DType> fromHeaderName(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
