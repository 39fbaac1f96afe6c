package io.fedlora.transport.wire;

/** Bytes that are not a valid fedlora message; the message says what is wrong with them. */
public class WireFormatException extends RuntimeException {
    public WireFormatException(String message) {
        super(message);
    }

    public WireFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
