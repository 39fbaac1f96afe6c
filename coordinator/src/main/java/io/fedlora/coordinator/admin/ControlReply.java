package io.fedlora.coordinator.admin;

import java.util.Objects;

/** The answer to a control request: whether it changed anything, the state now, and why. */
public record ControlReply(boolean changed, String state, String message) {
    public ControlReply {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(message, "message");
    }
}
