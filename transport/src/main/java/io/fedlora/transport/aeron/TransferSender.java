package io.fedlora.transport.aeron;

import io.aeron.Publication;
import io.aeron.logbuffer.BufferClaim;
import io.fedlora.transport.message.Message;
import io.fedlora.transport.wire.MessageCodec;
import io.fedlora.transport.wire.WireOutput;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Sends messages of any size over one publication: encodes them, splits them into chunks of {@code
 * maxPayloadLength - header} bytes (one Aeron frame each, written in place with {@code tryClaim}),
 * and stamps each with the transfer id, its offset, a chunk CRC32C and the whole message's CRC32C
 * (see {@link ChunkHeader}).
 *
 * <p>Back pressure, not-connected and admin-action results are retried with the idle strategy until
 * {@link TransportContext#sendTimeoutNs()} passes without progress; a closed publication or an
 * exhausted stream position fail at once. Not thread-safe: one sender per thread.
 */
public final class TransferSender {

    private final Publication publication;
    private final MessageCodec codec;
    private final IdleStrategy idle;
    private final long sendTimeoutNs;
    private final WireOutput output;
    private final BufferClaim claim = new BufferClaim();
    private final ByteBuffer header =
            ByteBuffer.allocateDirect(ChunkHeader.LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    private final UnsafeBuffer headerView = new UnsafeBuffer(header);
    private long nextTransferId = new SplittableRandom().nextLong() & Long.MAX_VALUE;
    private long retries;

    public TransferSender(
            Publication publication, MessageCodec codec, IdleStrategy idle, TransportContext ctx) {
        this.publication = publication;
        this.codec = codec;
        this.idle = idle;
        this.sendTimeoutNs = ctx.sendTimeoutNs();
        this.output = codec.newOutput();
    }

    /** Encodes and sends one message; returns its transfer id. */
    public long send(Message message) {
        codec.encode(message, output);
        return sendFrame(output.written());
    }

    /**
     * Sends an already encoded frame (position to limit) as one transfer and returns its id.
     *
     * @throws TransferFailedException if the publication closes or stalls past the send timeout
     */
    public long sendFrame(ByteBuffer frame) {
        long transferId = nextTransferId++;
        int total = frame.remaining();
        int messageCrc = ChunkHeader.messageCrc(frame);
        int maxChunk = publication.maxPayloadLength() - ChunkHeader.LENGTH;
        int offset = 0;
        do {
            int n = Math.min(maxChunk, total - offset);
            ByteBuffer payload = frame.duplicate();
            payload.position(frame.position() + offset).limit(frame.position() + offset + n);
            ChunkHeader.write(
                    header, codec.protocolVersion(), messageCrc, transferId, total, offset);
            int crc = ChunkHeader.chunkCrc(header, payload);
            claimChunk(ChunkHeader.LENGTH + n, transferId);
            MutableDirectBuffer b = claim.buffer();
            int at = claim.offset();
            b.putBytes(at, headerView, 0, ChunkHeader.LENGTH);
            b.putInt(at + ChunkHeader.CHUNK_CRC_OFFSET, crc, ByteOrder.LITTLE_ENDIAN);
            b.putBytes(at + ChunkHeader.LENGTH, payload, payload.position(), n);
            claim.commit();
            offset += n;
        } while (offset < total);
        return transferId;
    }

    /** Retries the claim through transient refusals; fails on fatal ones or a stall. */
    private void claimChunk(int length, long transferId) {
        long deadline = System.nanoTime() + sendTimeoutNs;
        idle.reset();
        while (true) {
            long result = publication.tryClaim(length, claim);
            if (result > 0) {
                return;
            }
            if (result == Publication.CLOSED) {
                throw new TransferFailedException(
                        "transfer "
                                + transferId
                                + ": publication "
                                + publication.channel()
                                + " is closed");
            }
            if (result == Publication.MAX_POSITION_EXCEEDED) {
                throw new TransferFailedException(
                        "transfer " + transferId + ": publication reached its maximum position");
            }
            // BACK_PRESSURED, NOT_CONNECTED and ADMIN_ACTION pass with time.
            retries++;
            if (System.nanoTime() - deadline > 0) {
                throw new TransferFailedException(
                        "transfer "
                                + transferId
                                + ": no progress for "
                                + sendTimeoutNs / 1_000_000
                                + " ms ("
                                + describe(result)
                                + ") on "
                                + publication.channel());
            }
            idle.idle();
        }
    }

    /** Claims that had to be retried (back pressure, not connected, admin action). */
    public long retries() {
        return retries;
    }

    private static String describe(long result) {
        if (result == Publication.BACK_PRESSURED) {
            return "back pressured";
        }
        if (result == Publication.NOT_CONNECTED) {
            return "not connected";
        }
        if (result == Publication.ADMIN_ACTION) {
            return "admin action";
        }
        return "result " + result;
    }
}
