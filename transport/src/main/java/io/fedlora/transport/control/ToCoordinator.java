package io.fedlora.transport.control;

import io.fedlora.transport.message.Message;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/** A protocol message from a worker to the coordinator, with the worker's inbox for replies. */
public record ToCoordinator(ActorRef<ToWorker> replyTo, Message message) {
    public ToCoordinator {
        Objects.requireNonNull(replyTo, "replyTo");
        Objects.requireNonNull(message, "message");
    }
}
