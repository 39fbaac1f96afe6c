package io.fedlora.transport.aeron;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The header in front of every chunk of a transfer; one chunk is one Aeron frame.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |            chunk CRC32C of bytes 4 .. end of chunk            |  0
 *  +---------------------------------------------------------------+
 *  |                        magic 'FLTC'                           |  4
 *  +-------------------------------+-------------------------------+
 *  |       protocol version        |           reserved            |  8
 *  +-------------------------------+-------------------------------+
 *  |             CRC32C of the whole message (digest)              | 12
 *  +---------------------------------------------------------------+
 *  |                          transfer id                          | 16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                 total message length (bytes)                  | 24
 *  +---------------------------------------------------------------+
 *  |                 offset of this chunk's payload                | 28
 *  +---------------------------------------------------------------+
 *  |                         payload ...                           | 32
 * </pre>
 *
 * All fields little-endian. The chunk CRC covers the header fields after it and the payload, so a
 * flipped bit anywhere in the chunk is caught.
 */
public final class ChunkHeader {
    public static final int CHUNK_CRC_OFFSET = 0;
    public static final int MAGIC_OFFSET = CHUNK_CRC_OFFSET + Integer.BYTES;
    public static final int VERSION_OFFSET = MAGIC_OFFSET + Integer.BYTES;
    public static final int RESERVED_OFFSET = VERSION_OFFSET + Short.BYTES;
    public static final int MESSAGE_CRC_OFFSET = RESERVED_OFFSET + Short.BYTES;
    public static final int TRANSFER_ID_OFFSET = MESSAGE_CRC_OFFSET + Integer.BYTES;
    public static final int TOTAL_LENGTH_OFFSET = TRANSFER_ID_OFFSET + Long.BYTES;
    public static final int CHUNK_OFFSET_OFFSET = TOTAL_LENGTH_OFFSET + Integer.BYTES;
    public static final int LENGTH = CHUNK_OFFSET_OFFSET + Integer.BYTES;

    public static final int MAGIC = 0x4354_4C46; // "FLTC" little-endian

    private ChunkHeader() {}

    /** Writes the header fields after the CRC into {@code h} (at least {@link #LENGTH} bytes). */
    public static void write(
            ByteBuffer h,
            int version,
            int messageCrc,
            long transferId,
            int totalLength,
            int offset) {
        h.order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(MAGIC_OFFSET, MAGIC);
        h.putShort(VERSION_OFFSET, (short) version);
        h.putShort(RESERVED_OFFSET, (short) 0);
        h.putInt(MESSAGE_CRC_OFFSET, messageCrc);
        h.putLong(TRANSFER_ID_OFFSET, transferId);
        h.putInt(TOTAL_LENGTH_OFFSET, totalLength);
        h.putInt(CHUNK_OFFSET_OFFSET, offset);
    }

    /**
     * The chunk CRC of a header (fields from {@link #MAGIC_OFFSET}) followed by a payload. The
     * buffers' positions are not moved.
     */
    public static int chunkCrc(ByteBuffer header, ByteBuffer payload) {
        CRC32C crc = new CRC32C();
        crc.update(header.duplicate().limit(LENGTH).position(MAGIC_OFFSET));
        crc.update(payload.duplicate());
        return (int) crc.getValue();
    }

    /** The CRC32C digest of a whole message (position to limit, untouched). */
    public static int messageCrc(ByteBuffer message) {
        CRC32C crc = new CRC32C();
        crc.update(message.duplicate());
        return (int) crc.getValue();
    }
}
