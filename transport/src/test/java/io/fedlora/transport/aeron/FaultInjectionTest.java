package io.fedlora.transport.aeron;

import static io.fedlora.transport.wire.AdapterAssertions.assertSameMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.esotericsoftware.kryo.io.Output;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.fedlora.codec.TensorCodec;
import io.fedlora.transport.message.AdapterPayload;
import io.fedlora.transport.message.Message;
import io.fedlora.transport.wire.Fixtures;
import io.fedlora.transport.wire.MessageCodec;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A live receiver on UDP loopback gets good transfers interleaved with flipped bytes, dropped
 * chunks, truncated transfers, wrong digests, oversized announcements, unknown class ids, another
 * protocol version, garbage frames and garbage datagrams; it delivers every good transfer and
 * counts every bad one under its reason.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FaultInjectionTest {
    private static final int PORT = 24_101;
    private static final int CHUNK = 1000;

    @TempDir Path dir;
    private Loopback loop;
    private ExclusivePublication raw;

    @AfterEach
    void close() {
        CloseHelper.closeAll(raw, loop);
    }

    @Test
    void shouldKeepDeliveringGoodTransfersAndCountEveryBadOne() throws Exception {
        loop = new Loopback(dir, false, PORT);
        raw =
                loop.node
                        .aeron()
                        .addExclusivePublication(
                                loop.ctx.udpChannel("localhost:" + PORT), Loopback.STREAM);
        Loopback.await(raw::isConnected, "raw publication connected");
        TransferSender sender = loop.sender();
        MessageCodec codec = loop.codec;
        byte[] frame =
                codec.encodeToBytes(
                        new Message.GlobalAdapter(
                                1,
                                new AdapterPayload(
                                        Fixtures.adapter(3, 2, 4, 64, 64), TensorCodec.BF16)));
        List<Message> good = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(5);

        good.add(new Message.Heartbeat("good-0", 0));
        sender.send(good.get(0));

        // A flipped byte in the middle of the second chunk.
        List<ByteBuffer> flipped =
                chunks(frame, 100, frame.length, crc(frame), Message.PROTOCOL_VERSION);
        flipped.get(1)
                .put(
                        ChunkHeader.LENGTH + 17,
                        (byte) (flipped.get(1).get(ChunkHeader.LENGTH + 17) ^ 0x10));
        offerAll(flipped);

        // A dropped chunk: the third arrives where the second should be.
        List<ByteBuffer> gap =
                chunks(frame, 101, frame.length, crc(frame), Message.PROTOCOL_VERSION);
        gap.remove(1);
        offerAll(gap);

        // A wrong whole-message digest, every chunk consistent and its own CRC valid.
        offerAll(chunks(frame, 102, frame.length, crc(frame) ^ 1, Message.PROTOCOL_VERSION));

        // An announcement far above the receiver's limit.
        offerAll(chunks(frame, 103, 100 << 20, crc(frame), Message.PROTOCOL_VERSION).subList(0, 1));

        // Intact chunks of a message naming a class id nobody registered.
        Output unknown = new Output(32);
        MessageCodec.writeHeader(unknown, Message.PROTOCOL_VERSION);
        unknown.writeVarInt(999 + 2, true);
        byte[] unknownFrame = unknown.toBytes();
        offerAll(
                chunks(
                        unknownFrame,
                        104,
                        unknownFrame.length,
                        crc(unknownFrame),
                        Message.PROTOCOL_VERSION));

        // A chunk from a peer speaking the next protocol.
        offerAll(
                chunks(frame, 105, frame.length, crc(frame), Message.PROTOCOL_VERSION + 1)
                        .subList(0, 1));

        // An Aeron frame of random bytes, and raw UDP garbage straight at the driver's port.
        byte[] junk = new byte[300];
        for (int i = 0; i < junk.length; i++) {
            junk[i] = (byte) rnd.nextInt();
        }
        offerAll(List.of(ByteBuffer.wrap(junk)));
        try (DatagramSocket socket = new DatagramSocket()) {
            for (int i = 0; i < 50; i++) {
                socket.send(
                        new DatagramPacket(junk, 10 + i, InetAddress.getLoopbackAddress(), PORT));
            }
        }

        // A truncated transfer: only the first chunk ever arrives, so it must time out.
        offerAll(
                chunks(frame, 106, frame.length, crc(frame), Message.PROTOCOL_VERSION)
                        .subList(0, 1));

        good.add(codec.decode(frame));
        sender.send(good.get(1));
        good.add(new Message.Heartbeat("good-2", 2));
        sender.send(good.get(2));

        Loopback.await(() -> loop.received.size() == good.size(), "good transfers");
        Loopback.await(
                () -> loop.drops.count(DropReason.TIMEOUT) == 1, "truncated transfer to time out");
        List<Message> got = new ArrayList<>(loop.received);
        for (int i = 0; i < good.size(); i++) {
            assertSameMessage(good.get(i), got.get(i));
        }
        Map<DropReason, Long> expected =
                Map.of(
                        DropReason.CHUNK_CRC, 1L,
                        DropReason.MISSING_CHUNK, 1L,
                        DropReason.MESSAGE_DIGEST, 1L,
                        DropReason.OVERSIZED, 1L,
                        DropReason.UNDECODABLE, 1L,
                        DropReason.PROTOCOL_VERSION, 1L,
                        DropReason.GARBAGE, 1L,
                        DropReason.TIMEOUT, 1L,
                        DropReason.INCONSISTENT, 0L);
        Map<DropReason, Long> actual = loop.drops.snapshot();
        for (Map.Entry<DropReason, Long> e : expected.entrySet()) {
            assertEquals(e.getValue(), actual.get(e.getKey()), e.getKey() + " in " + actual);
        }
        assertEquals(0, loop.receiver.pendingTransfers());
    }

    private static int crc(byte[] frame) {
        return ChunkHeader.messageCrc(ByteBuffer.wrap(frame));
    }

    /**
     * Splits {@code frame} into sealed chunks of {@link #CHUNK} bytes, announcing {@code total}.
     */
    private static List<ByteBuffer> chunks(
            byte[] frame, long transferId, int total, int messageCrc, int version) {
        List<ByteBuffer> out = new ArrayList<>();
        for (int off = 0; off < frame.length; off += CHUNK) {
            int n = Math.min(CHUNK, frame.length - off);
            ByteBuffer chunk =
                    ByteBuffer.allocate(ChunkHeader.LENGTH + n).order(ByteOrder.LITTLE_ENDIAN);
            ChunkHeader.write(chunk, version, messageCrc, transferId, total, off);
            ByteBuffer payload = ByteBuffer.wrap(frame, off, n);
            chunk.put(ChunkHeader.LENGTH, frame, off, n);
            chunk.putInt(ChunkHeader.CHUNK_CRC_OFFSET, ChunkHeader.chunkCrc(chunk, payload));
            out.add(chunk);
        }
        return out;
    }

    private void offerAll(List<ByteBuffer> frames) {
        for (ByteBuffer f : frames) {
            UnsafeBuffer b = new UnsafeBuffer(f.array(), 0, f.capacity());
            Loopback.await(() -> raw.offer(b, 0, b.capacity()) > 0 || fatal(raw), "offer");
        }
    }

    private static boolean fatal(Publication p) {
        if (p.isClosed()) {
            throw new AssertionError("raw publication closed");
        }
        return false;
    }
}
