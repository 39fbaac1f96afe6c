package io.fedlora.coordinator.run;

import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.aggregation.ServerState;
import io.fedlora.lora.Adapter;
import io.fedlora.peft.PeftAdapterFiles;
import io.fedlora.peft.PeftWriteOptions;
import io.fedlora.peft.SafeTensorsFormatException;
import io.fedlora.simulation.RoundRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The files of one round's checkpoint directory:
 *
 * <pre>
 * round-00000N/
 *   adapter/                    the global adapter (PEFT: adapter_model.safetensors, F32, and
 *                               adapter_config.json)
 *   server_state.safetensors    see {@link ServerStateFile}
 *   round.json                  the round record, see {@link RoundRecordJson}
 *   updates/                    only when updates were kept, see {@link UpdateArchive}
 * </pre>
 *
 * The adapter is stored as F32, the type every fedlora model trains in, so a FLOAT adapter comes
 * back bit for bit. The global model's version is the record's.
 */
final class CheckpointFiles {

    static final String ADAPTER = "adapter";
    static final String ROUND_JSON = "round.json";

    private CheckpointFiles() {}

    /** Writes every file of {@code c} into the (empty) directory {@code dir}. */
    static void write(Path dir, Checkpoint c) throws IOException {
        writeAdapter(dir.resolve(ADAPTER), c.global().adapter());
        ServerStateFile.write(dir.resolve(ServerStateFile.NAME), c.serverState());
        UpdateArchive.write(dir.resolve(UpdateArchive.NAME), c.updates());
        writeRecord(dir, c.record());
    }

    /**
     * Reads back what {@link #write} wrote.
     *
     * @throws IOException with a one-line message naming the file, when one is missing or corrupt,
     *     or when the record is not of round {@code round}
     */
    static Checkpoint read(Path dir, long round) throws IOException {
        RoundRecord record = readRecord(dir);
        if (record.round() != round) {
            throw new IOException(
                    dir.resolve(ROUND_JSON)
                            + ": holds the record of round "
                            + record.round()
                            + ", not of round "
                            + round);
        }
        Adapter adapter = readAdapter(dir.resolve(ADAPTER));
        ServerState state = ServerStateFile.read(dir.resolve(ServerStateFile.NAME));
        List<FitResult> updates = UpdateArchive.read(dir.resolve(UpdateArchive.NAME));
        try {
            return new Checkpoint(
                    round,
                    new GlobalModel(record.version(), adapter, Optional.empty()),
                    state,
                    record,
                    updates);
        } catch (IllegalArgumentException e) {
            throw new IOException(dir + ": " + e.getMessage(), e);
        }
    }

    static RoundRecord readRecord(Path dir) throws IOException {
        Path file = dir.resolve(ROUND_JSON);
        try {
            return RoundRecordJson.fromJson(RunFiles.readJson(file));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": not a round record (" + e.getMessage() + ")", e);
        }
    }

    /** Replaces {@code round.json} atomically. */
    static void writeRecord(Path dir, RoundRecord record) throws IOException {
        RunFiles.writeJson(dir.resolve(ROUND_JSON), RoundRecordJson.toJson(record));
    }

    private static void writeAdapter(Path dir, Adapter adapter) throws IOException {
        try {
            PeftAdapterFiles.write(dir, adapter, PeftWriteOptions.defaults());
        } catch (SafeTensorsFormatException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static Adapter readAdapter(Path dir) throws IOException {
        try {
            return PeftAdapterFiles.read(dir);
        } catch (SafeTensorsFormatException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
