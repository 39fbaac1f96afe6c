package io.fedlora.transport.aeron;

/** Why a receiver dropped a chunk or a whole transfer. */
public enum DropReason {
    /** A frame too short or without the chunk magic: not ours. */
    GARBAGE,
    /** The chunk or message speaks another wire protocol version. */
    PROTOCOL_VERSION,
    /** A chunk's CRC32C does not match its bytes. */
    CHUNK_CRC,
    /** A reassembled message's CRC32C does not match the digest its chunks announced. */
    MESSAGE_DIGEST,
    /** A transfer announces more bytes than the receiver accepts, or pending bytes overflow. */
    OVERSIZED,
    /** A chunk is missing or out of place: the transfer was truncated or chunks were dropped. */
    MISSING_CHUNK,
    /** Chunks of one transfer disagree about its length or digest, or overrun its end. */
    INCONSISTENT,
    /** An unfinished transfer saw no chunk within the reassembly timeout. */
    TIMEOUT,
    /** The bytes arrived intact but are not a valid message (unknown class id, bad layout). */
    UNDECODABLE
}
