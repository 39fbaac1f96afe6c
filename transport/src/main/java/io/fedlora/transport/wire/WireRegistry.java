package io.fedlora.transport.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.RecordSerializer;
import io.fedlora.codec.TensorCodec;
import io.fedlora.transport.message.AdapterPayload;
import io.fedlora.transport.message.Message;
import java.util.List;
import java.util.Map;

/**
 * The one registration list for every class that crosses the wire, with fixed ids. Registration is
 * required: a class missing here cannot be written, and an id missing here is refused on read
 * instead of being instantiated. Ids are part of the wire protocol: never reuse or renumber one;
 * append new classes and bump {@link Message#PROTOCOL_VERSION} when a layout changes.
 */
public final class WireRegistry {

    /** First id we use; Kryo's own primitives and String sit below it. */
    private static final int FIRST_ID = 100;

    private static final List<Class<? extends Message>> MESSAGES =
            List.of(
                    Message.Join.class,
                    Message.JoinRefused.class,
                    Message.Leave.class,
                    Message.CapabilityAdvert.class,
                    Message.FitInstruction.class,
                    Message.EvaluateInstruction.class,
                    Message.FitResult.class,
                    Message.EvaluateResult.class,
                    Message.AdapterAnnouncement.class,
                    Message.GlobalAdapter.class,
                    Message.Heartbeat.class,
                    Message.ErrorReport.class,
                    Message.JoinChallenge.class,
                    Message.JoinProof.class,
                    Message.JoinAccepted.class,
                    Message.RunFinished.class);

    private WireRegistry() {}

    /** The message classes in registration order (ids {@code 100, 101, …}). */
    public static List<Class<? extends Message>> messageClasses() {
        return MESSAGES;
    }

    /** A new Kryo with registration required and every wire class registered. */
    public static Kryo newKryo() {
        Kryo kryo = new Kryo();
        kryo.setRegistrationRequired(true);
        kryo.setReferences(false);
        int id = FIRST_ID;
        for (Class<? extends Message> type : MESSAGES) {
            kryo.register(type, new RecordSerializer<>(type), id++);
        }
        kryo.register(AdapterPayload.class, new AdapterPayloadSerializer(), 150);
        kryo.register(TensorCodec.class, 151);
        ImmutableCollectionSerializers.ListSerializer list =
                new ImmutableCollectionSerializers.ListSerializer();
        ImmutableCollectionSerializers.MapSerializer map =
                new ImmutableCollectionSerializers.MapSerializer();
        // List.copyOf / Map.copyOf return one of these JDK-internal classes depending on size.
        kryo.register(List.of().getClass(), list, 160);
        kryo.register(List.of(1).getClass(), list, 161);
        kryo.register(Map.of().getClass(), map, 162);
        kryo.register(Map.of(1, 1).getClass(), map, 163);
        return kryo;
    }
}
