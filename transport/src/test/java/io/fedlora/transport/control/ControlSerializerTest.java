package io.fedlora.transport.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.transport.message.Message;
import java.io.NotSerializableException;
import java.util.Arrays;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ControlSerializerTest {

    private static ActorTestKit kit;

    @BeforeAll
    static void start() {
        kit = ActorTestKit.create();
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    @Test
    void envelopesRoundTripThroughTheBoundSerializer() throws Exception {
        TestProbe<ToWorker> worker = kit.createTestProbe();
        TestProbe<ToCoordinator> coordinator = kit.createTestProbe();
        Serialization serialization = SerializationExtension.get(kit.system().classicSystem());
        List<Object> envelopes =
                List.of(
                        new ToCoordinator(worker.ref(), new Message.JoinProof("w1", "ab12")),
                        new ToWorker(coordinator.ref(), new Message.JoinChallenge("w1", "ff00")));
        for (Object envelope : envelopes) {
            Serializer s = serialization.findSerializerFor(envelope);
            assertEquals(ControlSerializer.IDENTIFIER, s.identifier());
            SerializerWithStringManifest m = (SerializerWithStringManifest) s;
            byte[] bytes = m.toBinary(envelope);
            assertEquals(envelope, m.fromBinary(bytes, m.manifest(envelope)));
        }
    }

    @Test
    void refusesCorruptFramesWithAReason() {
        TestProbe<ToWorker> worker = kit.createTestProbe();
        ControlSerializer s =
                (ControlSerializer)
                        SerializationExtension.get(kit.system().classicSystem())
                                .serializerByIdentity()
                                .apply(ControlSerializer.IDENTIFIER);
        ToCoordinator envelope = new ToCoordinator(worker.ref(), new Message.Heartbeat("w1", 5));
        byte[] bytes = s.toBinary(envelope);
        byte[] truncated = Arrays.copyOf(bytes, bytes.length - 3);
        NotSerializableException e =
                assertThrows(NotSerializableException.class, () -> s.fromBinary(truncated, "C"));
        assertTrue(e.getMessage().startsWith("refused control message"), e.getMessage());
        assertThrows(NotSerializableException.class, () -> s.fromBinary(bytes, "X"));
    }
}
