package io.fedlora.coordinator.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fedlora.simulation.RoundRecord;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A coordinator's run directory: what the run is, one checkpoint per completed round, and the files
 * a person looks at.
 *
 * <pre>
 * run-dir/
 *   run.json                    the manifest (strategy, options, rounds, seed, scenario…)
 *   adapter/                    the latest round's global adapter (PEFT), replaced after each commit
 *   rounds.csv                  one row per committed round, see {@link RoundsCsv}
 *   accuracy.svg                accuracy and loss per evaluated round, see {@link RunChart}
 *   checkpoints/round-00000N/   one committed round, see {@link CheckpointFiles}
 * </pre>
 *
 * <p>A round is committed by renaming its fully written temporary directory to {@code
 * round-00000N}: before the rename the round does not exist, after it the round is complete.
 * Temporary names start with {@code .tmp-} and are never taken for rounds; {@link #open} deletes
 * those an interrupted process left behind. {@code adapter/}, {@code rounds.csv} and {@code
 * accuracy.svg} are derived from the checkpoints: each commit and {@link #open} rewrite them, so a
 * crash between the commit and their update is repaired on the next start. While {@code adapter/}
 * is being replaced it is missing for the moment between two renames.
 *
 * <p>Methods that write are synchronized; one process should own a run directory at a time.
 */
public final class RunDirectory {

    static final String MANIFEST = "run.json";
    static final String ADAPTER = "adapter";
    static final String CHECKPOINTS = "checkpoints";

    private static final Pattern ROUND_DIR = Pattern.compile("round-(\\d{6,18})");

    private static final Logger log = LoggerFactory.getLogger(RunDirectory.class);

    private final Path root;
    private final Path checkpoints;

    private RunDirectory(Path root) {
        this.root = root;
        this.checkpoints = root.resolve(CHECKPOINTS);
    }

    /**
     * Opens (creating if absent) a run directory; deletes leftover temporary files and directories
     * of interrupted commits and rewrites the derived files from the latest checkpoint.
     *
     * @throws IOException when the directory cannot be created, or the latest round's adapter or
     *     any round's record cannot be read (the message names the file)
     */
    public static RunDirectory open(Path dir) throws IOException {
        RunDirectory run = new RunDirectory(dir.toAbsolutePath().normalize());
        Files.createDirectories(run.checkpoints);
        run.deleteLeftovers();
        OptionalLong latest = run.latestRound();
        if (latest.isPresent()) {
            run.publish(run.roundDir(latest.getAsLong()));
        }
        return run;
    }

    public Path root() {
        return root;
    }

    /**
     * {@code run-dir/adapter}: the current global adapter (PEFT layout), once a round is committed.
     */
    public Path adapterDir() {
        return root.resolve(ADAPTER);
    }

    /** The directory a round's checkpoint is committed to (whether or not it is yet). */
    public Path roundDir(long round) {
        return checkpoints.resolve(String.format(Locale.ROOT, "round-%06d", round));
    }

    /**
     * Writes {@code run.json}: what the run is. It is written once: writing the same manifest again
     * (a resumed run) does nothing, a different one is refused.
     *
     * @throws IllegalStateException when {@code run.json} already holds a different manifest; the
     *     message names the first key that differs
     */
    public synchronized void writeManifest(Map<String, String> manifest) throws IOException {
        manifest.forEach(
                (k, v) -> {
                    if (v == null) {
                        throw new IllegalArgumentException("manifest key " + k + " has no value");
                    }
                });
        Optional<Map<String, String>> existing = manifest();
        if (existing.isPresent()) {
            if (!existing.get().equals(manifest)) {
                throw new IllegalStateException(
                        root.resolve(MANIFEST)
                                + " describes another run: "
                                + firstDifference(existing.get(), manifest));
            }
            return;
        }
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        manifest.forEach(json::put);
        RunFiles.writeJson(root.resolve(MANIFEST), json);
    }

    /** The manifest, if one was written. */
    public Optional<Map<String, String>> manifest() throws IOException {
        Path file = root.resolve(MANIFEST);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        JsonNode json = RunFiles.readJson(file);
        if (!json.isObject()) {
            throw new IOException(file + ": expected a JSON object of strings");
        }
        Map<String, String> manifest = new LinkedHashMap<>();
        for (var it = json.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isTextual()) {
                throw new IOException(
                        file
                                + ": the value of "
                                + e.getKey()
                                + " is not a string: "
                                + e.getValue());
            }
            manifest.put(e.getKey(), e.getValue().textValue());
        }
        return Optional.of(manifest);
    }

    /**
     * The last committed checkpoint, if any (round 0 is the initial model).
     *
     * @throws IOException with a one-line message naming the file, when a file of that round is
     *     missing or corrupt; an earlier round is never read instead
     */
    public Optional<Checkpoint> latest() throws IOException {
        OptionalLong round = latestRound();
        if (round.isEmpty()) {
            return Optional.empty();
        }
        long r = round.getAsLong();
        return Optional.of(CheckpointFiles.read(roundDir(r), r));
    }

    /**
     * The checkpoint of a committed round (for audits and replays).
     *
     * @throws IOException naming the file when the round is not committed or a file is corrupt
     */
    public Checkpoint checkpoint(long round) throws IOException {
        Path dir = roundDir(round);
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": round " + round + " is not committed");
        }
        return CheckpointFiles.read(dir, round);
    }

    /**
     * Commits one round: writes its checkpoint into a temporary directory, renames that to {@code
     * checkpoints/round-00000N}, then updates {@code adapter/}, {@code rounds.csv} and {@code
     * accuracy.svg}. Nothing of the round is visible when this throws; once the rename is done the
     * round is committed, and a failure to update the derived files is logged (WARN) and repaired
     * at the next commit or {@link #open}.
     *
     * @return the checkpoint's directory
     * @throws IllegalArgumentException when the global model carries a base update
     * @throws IllegalStateException when a round at or after this one is already committed
     */
    public synchronized Path commit(Checkpoint checkpoint) throws IOException {
        if (checkpoint.global().baseUpdate().isPresent()) {
            throw new IllegalArgumentException(
                    "round "
                            + checkpoint.round()
                            + ": the global model carries a base update, and base updates are not"
                            + " checkpointed yet");
        }
        OptionalLong last = latestRound();
        if (last.isPresent() && checkpoint.round() <= last.getAsLong()) {
            throw new IllegalStateException(
                    "round "
                            + checkpoint.round()
                            + " cannot be committed: round "
                            + last.getAsLong()
                            + " is already committed in "
                            + checkpoints);
        }
        Path target = roundDir(checkpoint.round());
        Path temp = RunFiles.tempDirectory(checkpoints, target.getFileName().toString());
        try {
            CheckpointFiles.write(temp, checkpoint);
            RunFiles.move(temp, target);
        } finally {
            RunFiles.deleteTree(temp);
        }
        try {
            publish(target);
        } catch (IOException | RuntimeException e) {
            // The round is committed and resumable; the derived files are rewritten at the next
            // commit or start. Failing here would make the caller retry a committed round.
            log.warn(
                    "round {} is committed in {}, but adapter/, {} and {} could not be updated: {}",
                    checkpoint.round(),
                    target,
                    RoundsCsv.NAME,
                    RunChart.NAME,
                    e.toString());
        }
        return target;
    }

    /**
     * Replaces the record of an already committed round (after its evaluation ran), then rewrites
     * {@code rounds.csv} and {@code accuracy.svg}.
     *
     * @throws IllegalArgumentException when the round is not committed, or the record's version is
     *     not the committed one
     */
    public synchronized void updateRecord(RoundRecord record) throws IOException {
        Path dir = roundDir(record.round());
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(
                    "round " + record.round() + " is not committed in " + checkpoints);
        }
        RoundRecord committed = CheckpointFiles.readRecord(dir);
        if (committed.version() != record.version()) {
            throw new IllegalArgumentException(
                    "round "
                            + record.round()
                            + " was committed with version "
                            + committed.version()
                            + ", not "
                            + record.version());
        }
        CheckpointFiles.writeRecord(dir, record);
        writeReports();
    }

    /**
     * The records of every committed round, in round order.
     *
     * @throws IOException naming the file, when a round's record is missing or corrupt
     */
    public List<RoundRecord> records() throws IOException {
        List<RoundRecord> records = new ArrayList<>();
        for (Map.Entry<Long, Path> e : committedRounds().entrySet()) {
            records.add(CheckpointFiles.readRecord(e.getValue()));
        }
        return records;
    }

    /** Makes {@code adapter/} the given round's adapter and rewrites the reports. */
    private void publish(Path roundDir) throws IOException {
        replaceAdapter(roundDir.resolve(CheckpointFiles.ADAPTER));
        writeReports();
    }

    /**
     * Copies the checkpoint's adapter files (bit for bit) into a temporary directory, then swaps it
     * in: a directory cannot be renamed over a non-empty one, so the old one is renamed away first.
     */
    private void replaceAdapter(Path source) throws IOException {
        if (!Files.isDirectory(source)) {
            throw new IOException(source + ": the checkpoint has no adapter directory");
        }
        Path fresh = RunFiles.tempDirectory(root, ADAPTER);
        Path old = null;
        try {
            RunFiles.copyFiles(source, fresh);
            if (Files.exists(adapterDir())) {
                old = RunFiles.unusedTempPath(root, ADAPTER + "-old");
                RunFiles.move(adapterDir(), old);
            }
            RunFiles.move(fresh, adapterDir());
        } finally {
            RunFiles.deleteTree(fresh);
            if (old != null) {
                RunFiles.deleteTree(old);
            }
        }
    }

    private void writeReports() throws IOException {
        List<RoundRecord> records = records();
        RunFiles.writeAtomically(root.resolve(RoundsCsv.NAME), RoundsCsv.of(records));
        RunFiles.writeAtomically(root.resolve(RunChart.NAME), RunChart.svg(records));
    }

    private void deleteLeftovers() throws IOException {
        RunFiles.deleteTemporaries(root);
        RunFiles.deleteTemporaries(checkpoints);
        for (Path dir : committedRounds().values()) {
            RunFiles.deleteTemporaries(dir);
        }
    }

    private OptionalLong latestRound() throws IOException {
        TreeMap<Long, Path> rounds = committedRounds();
        return rounds.isEmpty() ? OptionalLong.empty() : OptionalLong.of(rounds.lastKey());
    }

    /** Round number → directory of every committed round. */
    private TreeMap<Long, Path> committedRounds() throws IOException {
        TreeMap<Long, Path> rounds = new TreeMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(checkpoints)) {
            for (Path p : entries) {
                Matcher m = ROUND_DIR.matcher(p.getFileName().toString());
                if (m.matches() && Files.isDirectory(p)) {
                    rounds.put(Long.parseLong(m.group(1)), p);
                }
            }
        }
        return rounds;
    }

    private static String firstDifference(Map<String, String> was, Map<String, String> now) {
        for (Map.Entry<String, String> e : now.entrySet()) {
            String before = was.get(e.getKey());
            if (!e.getValue().equals(before)) {
                return before == null
                        ? e.getKey() + " was not set, now " + e.getValue()
                        : e.getKey() + " was " + before + ", now " + e.getValue();
            }
        }
        for (String key : was.keySet()) {
            if (!now.containsKey(key)) {
                return key + " was " + was.get(key) + ", now not set";
            }
        }
        return "the manifests differ";
    }
}
