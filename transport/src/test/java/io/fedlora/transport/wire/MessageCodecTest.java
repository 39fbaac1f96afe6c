package io.fedlora.transport.wire;

import static io.fedlora.transport.wire.AdapterAssertions.assertSameMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.io.Output;
import io.fedlora.codec.TensorCodec;
import io.fedlora.transport.message.Message;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MessageCodecTest {

    private final MessageCodec codec = new MessageCodec(16 << 20);

    @ParameterizedTest
    @EnumSource(TensorCodec.class)
    void shouldRoundTripEveryMessageInEveryCodec(TensorCodec tensorCodec) {
        List<Message> all = Fixtures.everyMessage(tensorCodec);
        assertEquals(WireRegistry.messageClasses().size(), all.size(), "one fixture per message");
        WireOutput out = codec.newOutput();
        for (Message m : all) {
            codec.encode(m, out);
            Message back = codec.decode(out.written());
            assertSameMessage(m, back);
            assertSameMessage(m, codec.decode(codec.encodeToBytes(m)));
        }
    }

    @Test
    void shouldShrinkPayloadsByCodec() {
        int fp32 = codec.encodeToBytes(Fixtures.everyMessage(TensorCodec.FP32).get(9)).length;
        int bf16 = codec.encodeToBytes(Fixtures.everyMessage(TensorCodec.BF16).get(9)).length;
        int int8 = codec.encodeToBytes(Fixtures.everyMessage(TensorCodec.INT8).get(9)).length;
        // 3 modules of A 4×24 and B 16×4 plus a 10-bias and a 10×6 head: 550 floats.
        assertTrue(fp32 - bf16 == 2 * 550, "fp32 " + fp32 + " bf16 " + bf16);
        assertTrue(int8 < bf16, "int8 " + int8 + " bf16 " + bf16);
    }

    @Test
    void shouldRefuseAnotherProtocolVersion() {
        byte[] frame = codec.encodeToBytes(new Message.Heartbeat("w", 1));
        ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN).putShort(4, (short) 1);
        ProtocolMismatchException e =
                assertThrows(ProtocolMismatchException.class, () -> codec.decode(frame));
        assertEquals(1, e.peerVersion());
        assertTrue(e.getMessage().contains("protocol 1"), e.getMessage());
    }

    @Test
    void shouldRefuseUnknownClassIdsWithoutInstantiating() {
        Output out = new Output(64);
        MessageCodec.writeHeader(out, Message.PROTOCOL_VERSION);
        out.writeVarInt(999 + 2, true); // Kryo writes class id + 2
        WireFormatException e =
                assertThrows(WireFormatException.class, () -> codec.decode(out.toBytes()));
        assertTrue(e.getMessage().contains("unregistered class ID: 999"), e.getMessage());
    }

    @Test
    void shouldRefuseUnregisteredClassesOnWrite() {
        var kryo = WireRegistry.newKryo();
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> kryo.writeClassAndObject(new Output(64), new java.util.Date()));
        assertTrue(e.getMessage().contains("not registered"), e.getMessage());
    }

    @Test
    void shouldRefuseTruncatedAndGarbageFrames() {
        byte[] frame = codec.encodeToBytes(Fixtures.everyMessage(TensorCodec.FP32).get(9));
        for (int cut : new int[] {3, 7, 40, frame.length / 2, frame.length - 1}) {
            byte[] shortFrame = Arrays.copyOf(frame, cut);
            WireFormatException e =
                    assertThrows(
                            WireFormatException.class,
                            () -> codec.decode(shortFrame),
                            "cut " + cut);
            assertTrue(e.getMessage().length() < 300, e.getMessage());
        }
        byte[] garbage = new byte[100];
        Arrays.fill(garbage, (byte) 0x5A);
        assertTrue(
                assertThrows(WireFormatException.class, () -> codec.decode(garbage))
                        .getMessage()
                        .contains("not a fedlora message"));
        MessageCodec small = new MessageCodec(1024);
        assertTrue(
                assertThrows(WireFormatException.class, () -> small.decode(frame))
                        .getMessage()
                        .contains("exceeds the limit"));
    }

    @Test
    void shouldBindPekkoSerializationToTheSameRegistrations() {
        ActorSystem system = ActorSystem.create("codec-test");
        try {
            Serialization serialization = SerializationExtension.get(system);
            for (Message m : Fixtures.everyMessage(TensorCodec.FP32)) {
                Serializer s = serialization.findSerializerFor(m);
                assertEquals(
                        PekkoKryoSerializer.IDENTIFIER, s.identifier(), m.getClass().getName());
                byte[] bytes = s.toBinary(m);
                assertSameMessage(
                        m, (Message) serialization.deserialize(bytes, s.identifier(), "").get());
                assertSameMessage(m, codec.decode(bytes));
            }
        } finally {
            system.terminate();
        }
    }
}
