package io.fedlora.data;

/**
 * A data file or directory could not be used: missing, malformed, truncated or inconsistent. The
 * message is one complete sentence that names the path (or field) and the problem, so that it can
 * be shown to a user as it is.
 */
public final class DataFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public DataFormatException(String message) {
        super(message);
    }

    public DataFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
