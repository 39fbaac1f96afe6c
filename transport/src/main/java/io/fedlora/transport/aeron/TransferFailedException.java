package io.fedlora.transport.aeron;

/** A transfer could not be sent: the publication closed, hit its limit, or stalled too long. */
public final class TransferFailedException extends RuntimeException {
    public TransferFailedException(String message) {
        super(message);
    }
}
