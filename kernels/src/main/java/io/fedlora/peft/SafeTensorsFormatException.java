package io.fedlora.peft;

import java.nio.file.Path;

/**
 * A safetensors file or PEFT adapter directory that cannot be read or written as asked. The message
 * is one complete sentence that names the path and the problem, fit for a log line or a CLI error.
 */
public final class SafeTensorsFormatException extends RuntimeException {

    private final transient Path path;

    public SafeTensorsFormatException(Path path, String problem) {
        super(sentence(path, problem));
        this.path = path;
    }

    public SafeTensorsFormatException(Path path, String problem, Throwable cause) {
        super(sentence(path, problem), cause);
        this.path = path;
    }

    /** The file or directory the problem was found in. */
    public Path path() {
        return path;
    }

    private static String sentence(Path path, String problem) {
        // Messages from parsers may span lines; a log line must not.
        String oneLine = problem.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
        return path + ": " + oneLine + (oneLine.endsWith(".") ? "" : ".");
    }
}
