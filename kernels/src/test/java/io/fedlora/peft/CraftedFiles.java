package io.fedlora.peft;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds safetensors files byte by byte, for inputs the library's writer would never produce. */
final class CraftedFiles {

    private CraftedFiles() {}

    /** Length prefix (as given), header text, then the data bytes. */
    static Path write(Path path, long declaredHeaderLength, String header, byte[] data)
            throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf =
                ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(declaredHeaderLength).put(h).put(data);
        Files.write(path, buf.array());
        return path;
    }

    /** A well-formed prefix for {@code header}. */
    static Path write(Path path, String header, byte[] data) throws IOException {
        return write(path, header.getBytes(StandardCharsets.UTF_8).length, header, data);
    }

    static byte[] littleEndianFloats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    static byte[] littleEndianShorts(int... values) {
        ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putShort((short) v);
        }
        return b.array();
    }
}
