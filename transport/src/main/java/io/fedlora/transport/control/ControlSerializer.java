package io.fedlora.transport.control;

import io.fedlora.transport.message.Message;
import io.fedlora.transport.wire.MessageCodec;
import io.fedlora.transport.wire.WireFormatException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Pekko's serializer for the control envelopes: the reply inbox as Pekko's own serialization format
 * of an actor reference, then the message in fedlora's Kryo wire format (registered classes only,
 * as on the data plane). A frame that does not decode is refused with {@link
 * NotSerializableException}, which Pekko logs and drops without harming the connection.
 */
public final class ControlSerializer extends SerializerWithStringManifest {

    /** Pekko's id for this serializer; ids 0–40 are Pekko's own. */
    public static final int IDENTIFIER = 4_711_002;

    private static final String TO_COORDINATOR = "C";
    private static final String TO_WORKER = "W";

    /** Control messages are small; adapters travel on the data plane. */
    private static final int MAX_BYTES = 4 * 1024 * 1024;

    private final ActorRefResolver resolver;
    private final MessageCodec codec = new MessageCodec(MAX_BYTES);

    public ControlSerializer(ExtendedActorSystem system) {
        this.resolver = ActorRefResolver.get(Adapter.toTyped(system));
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public String manifest(Object o) {
        if (o instanceof ToCoordinator) {
            return TO_COORDINATOR;
        }
        if (o instanceof ToWorker) {
            return TO_WORKER;
        }
        throw new IllegalArgumentException(
                "the control serializer writes control envelopes only, got "
                        + o.getClass().getName());
    }

    @Override
    public byte[] toBinary(Object o) {
        if (o instanceof ToCoordinator c) {
            return write(c.replyTo(), c.message());
        }
        if (o instanceof ToWorker w) {
            return write(w.replyTo(), w.message());
        }
        throw new IllegalArgumentException(
                "the control serializer writes control envelopes only, got "
                        + o.getClass().getName());
    }

    private byte[] write(ActorRef<?> replyTo, Message message) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeUTF(resolver.toSerializationFormat(replyTo));
            out.write(codec.encodeToBytes(message));
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        if (bytes.length > MAX_BYTES) {
            throw new NotSerializableException(
                    "control message of " + bytes.length + " bytes exceeds " + MAX_BYTES);
        }
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            String ref = in.readUTF();
            int offset = bytes.length - in.available();
            Message message = codec.decode(Arrays.copyOfRange(bytes, offset, bytes.length));
            return switch (manifest) {
                case TO_COORDINATOR -> new ToCoordinator(resolver.resolveActorRef(ref), message);
                case TO_WORKER -> new ToWorker(resolver.resolveActorRef(ref), message);
                default ->
                        throw new NotSerializableException(
                                "unknown control manifest '" + manifest + "'");
            };
        } catch (IOException | WireFormatException | IllegalArgumentException e) {
            NotSerializableException refused =
                    new NotSerializableException("refused control message: " + e.getMessage());
            refused.initCause(e);
            throw refused;
        }
    }
}
