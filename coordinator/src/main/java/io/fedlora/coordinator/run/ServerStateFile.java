package io.fedlora.coordinator.run;

import io.fedlora.aggregation.ServerState;
import io.fedlora.peft.SafeTensors;
import io.fedlora.peft.SafeTensorsFile;
import io.fedlora.peft.SafeTensorsFormatException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A {@link ServerState} as one safetensors file: the tensors as tensors, each in its own type
 * (DOUBLE as F64, FLOAT as F32, LONG as I64, INT as I32, so no bit is lost), and the values as the
 * header's {@code __metadata__} strings.
 */
final class ServerStateFile {

    static final String NAME = "server_state.safetensors";

    private ServerStateFile() {}

    static void write(Path file, ServerState state) throws IOException {
        try {
            SafeTensors.writeLossless(file, state.tensors(), state.values());
        } catch (SafeTensorsFormatException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * @throws IOException with a one-line message naming the file, when it is missing or not a
     *     readable safetensors file
     */
    static ServerState read(Path file) throws IOException {
        try {
            SafeTensorsFile f = SafeTensors.read(file);
            return new ServerState(f.tensors(), f.metadata());
        } catch (SafeTensorsFormatException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
