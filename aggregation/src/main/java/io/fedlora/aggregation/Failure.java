package io.fedlora.aggregation;

import java.util.Objects;

/** A client that was instructed but returned nothing usable, and why. */
public record Failure(String clientId, long round, String reason) {

    public Failure {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(reason, "reason");
    }
}
