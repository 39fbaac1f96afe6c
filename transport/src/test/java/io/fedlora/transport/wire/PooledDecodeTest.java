package io.fedlora.transport.wire;

import static io.fedlora.transport.wire.AdapterAssertions.assertSameMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.codec.TensorCodec;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import io.fedlora.transport.message.AdapterPayload;
import io.fedlora.transport.message.Message;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Decoding into a {@link TensorPool}: reuse, ownership, and strictness on bad input. */
class PooledDecodeTest {

    private final MessageCodec codec = new MessageCodec(16 << 20);

    private static Message.GlobalAdapter version(long v, TensorCodec tensors, int rank, int in) {
        return new Message.GlobalAdapter(
                v, new AdapterPayload(Fixtures.adapter(v, 3, rank, in, 16), tensors));
    }

    private ByteBuffer frame(Message m) {
        return ByteBuffer.wrap(codec.encodeToBytes(m));
    }

    /** Every tensor of the message's adapter, flattened to the matrices the decoder filled. */
    private static List<INDArray> tensors(Message m) {
        Adapter a = ((Message.GlobalAdapter) m).adapter().adapter();
        List<INDArray> all = new ArrayList<>();
        for (LoraPair p : a.modules().values()) {
            all.add(p.a());
            all.add(p.b());
        }
        all.addAll(a.modulesToSave().values());
        return all;
    }

    /** Native address of each tensor's memory → its element count. */
    private static Map<Long, Long> memory(Message m) {
        Map<Long, Long> byAddress = new HashMap<>();
        for (INDArray t : tensors(m)) {
            byAddress.put(t.data().address(), t.length());
        }
        return byAddress;
    }

    @ParameterizedTest
    @EnumSource(TensorCodec.class)
    void shouldDecodeSuccessiveVersionsIntoTheSameMemory(TensorCodec tensors) {
        TensorPool pool = new TensorPool(1 << 20);
        Message v1 = version(1, tensors, 4, 24);
        Message v2 = version(2, tensors, 4, 24);
        Map<Long, Long> first;
        try (PooledMessage got = codec.decode(frame(v1), pool)) {
            assertSameMessage(v1, got.message());
            first = memory(got.message());
        }
        try (PooledMessage got = codec.decode(frame(v2), pool)) {
            assertSameMessage(v2, got.message());
            assertEquals(first, memory(got.message()), "every tensor reuses v1's memory");
            assertEquals(0, pool.retainedBytes(), "all free arrays are in use");
        }
        assertEquals(
                4L * tensors(v1).stream().mapToLong(INDArray::length).sum(), pool.retainedBytes());
    }

    @Test
    void shouldNeverWriteIntoTheArraysOfAnOpenMessage() {
        TensorPool pool = new TensorPool(1 << 20);
        Message v1 = version(1, TensorCodec.FP32, 4, 24);
        Message v2 = version(2, TensorCodec.FP32, 4, 24);
        try (PooledMessage held = codec.decode(frame(v1), pool);
                PooledMessage next = codec.decode(frame(v2), pool)) {
            assertSameMessage(v2, next.message());
            assertSameMessage(v1, held.message());
            Map<Long, Long> shared = memory(held.message());
            shared.keySet().retainAll(memory(next.message()).keySet());
            assertTrue(shared.isEmpty(), "two open messages share memory: " + shared);
        }
    }

    @Test
    void shouldNotReuseAnArrayOfAnotherShape() {
        TensorPool pool = new TensorPool(1 << 20);
        Message rank4 = version(1, TensorCodec.FP32, 4, 24);
        Message rank8 = version(2, TensorCodec.FP32, 8, 20);
        Map<Long, INDArray> before = new HashMap<>();
        try (PooledMessage got = codec.decode(frame(rank4), pool)) {
            for (INDArray t : tensors(got.message())) {
                before.put(t.data().address(), t.dup());
            }
        }
        try (PooledMessage got = codec.decode(frame(rank8), pool)) {
            assertSameMessage(rank8, got.message());
            int reused = 0;
            for (INDArray t : tensors(got.message())) {
                INDArray old = before.get(t.data().address());
                if (old != null) {
                    reused++;
                    assertEquals(old.length(), t.length(), "reused an array of another size");
                    assertTrue(Arrays.equals(old.shape(), t.shape()), "reused another shape");
                }
            }
            // Only the head (10 and 10×6 in both layouts) has the same shapes; A and B do not.
            assertEquals(2, reused);
        }
    }

    @Test
    void shouldReturnOnlyArraysOfTheExactShapeAndEvictOtherShapesFirst() {
        TensorPool pool = new TensorPool(48); // two 2×3 fp32 arrays
        INDArray x = pool.take(2, 3);
        INDArray y = pool.take(3, 2);
        INDArray z = pool.take(2, 3);
        pool.giveBack(List.of(x, y));
        assertEquals(48, pool.retainedBytes());
        pool.giveBack(List.of(z)); // 3×2 y makes room for it
        assertEquals(48, pool.retainedBytes());
        INDArray again = pool.take(3, 2);
        assertFalse(again == y, "the evicted 3×2 array came back");
        assertTrue(Arrays.equals(new long[] {3, 2}, again.shape()));
        INDArray reused = pool.take(2, 3);
        assertTrue(reused == x || reused == z, "a free 2×3 array was not reused");
        pool.clear();
        assertEquals(0, pool.retainedBytes());
    }

    @Test
    void shouldGiveBackAndHideTheArraysOfACorruptFrame() {
        TensorPool pool = new TensorPool(1 << 20);
        Message v1 = version(1, TensorCodec.FP32, 4, 24);
        Message v2 = version(2, TensorCodec.FP32, 4, 24);
        Message v3 = version(3, TensorCodec.FP32, 4, 24);
        long adapterBytes = 4L * tensors(v1).stream().mapToLong(INDArray::length).sum();
        byte[] v2Frame = codec.encodeToBytes(v2);
        // Valid up to one trailing byte: every tensor is written before the frame is refused.
        byte[] trailing = Arrays.copyOf(v2Frame, v2Frame.length + 1);
        // Cut inside the last tensor: refused before that tensor is written.
        byte[] truncated = Arrays.copyOf(v2Frame, v2Frame.length - 10);
        try (PooledMessage held = codec.decode(frame(v1), pool)) {
            for (byte[] bad : List.of(trailing, truncated)) {
                assertThrows(
                        WireFormatException.class,
                        () -> codec.decode(ByteBuffer.wrap(bad), pool),
                        "frame of " + bad.length);
                assertSameMessage(v1, held.message());
                assertEquals(adapterBytes, pool.retainedBytes(), "the failed decode gave back all");
            }
        }
        try (PooledMessage got = codec.decode(frame(v3), pool)) {
            assertSameMessage(v3, got.message());
        }
    }

    @Test
    void shouldRefuseUseAfterClose() {
        PooledMessage got =
                codec.decode(frame(version(1, TensorCodec.BF16, 4, 24)), new TensorPool(1 << 20));
        got.close();
        got.close();
        assertThrows(IllegalStateException.class, got::message);
    }

    @Test
    void shouldRefuseSavedModulesWhoseDimsWrapOrAreNegative() {
        TensorPool pool = new TensorPool(1 << 20);
        // Kryo writes a record's components by name, so the frame ends with the payload's last
        // byte (its count of saved modules, 0) and then the version (1, zig-zag varint 2).
        Adapter noHead =
                new Adapter(
                        Fixtures.adapter(1, 1, 4, 8, 8).modules(), 4, 8, List.of("q"), Map.of());
        byte[] head =
                codec.encodeToBytes(
                        new Message.GlobalAdapter(1, new AdapterPayload(noHead, TensorCodec.FP32)));
        assertEquals(0, head[head.length - 2]);
        assertEquals(2, head[head.length - 1]);
        long[][] lies = {
            {1, 1024, 1024, 1024, 1024, 1024, 1024, 1024}, // 2^70 elements: wraps to 0 in a long
            {2, -1, -1, 3}, // the two negatives cancel out
        };
        for (long[] dims : lies) {
            WireOutput out = new WireOutput(64, 1024);
            out.writeBytes(head, 0, head.length - 2);
            out.writeVarInt(1, true);
            out.writeString("head.weight");
            out.writeVarInt(dims.length, true);
            for (long d : dims) {
                out.writeVarInt((int) d, true);
            }
            out.writeBytes(new byte[64]);
            ByteBuffer bad = out.written();
            WireFormatException e =
                    assertThrows(
                            WireFormatException.class,
                            () -> codec.decode(bad, pool),
                            Arrays.toString(dims));
            assertTrue(e.getMessage().contains("head.weight"), e.getMessage());
            assertThrows(WireFormatException.class, () -> codec.decode(bad.duplicate()));
        }
    }
}
