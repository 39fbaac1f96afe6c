package io.fedlora.transport.control;

import io.fedlora.transport.message.Message;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * A protocol message from the coordinator to a worker, with the coordinator's inbox for replies.
 */
public record ToWorker(ActorRef<ToCoordinator> replyTo, Message message) {
    public ToWorker {
        Objects.requireNonNull(replyTo, "replyTo");
        Objects.requireNonNull(message, "message");
    }
}
