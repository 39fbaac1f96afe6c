package io.fedlora.coordinator.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.UpdateHandle;
import io.fedlora.lora.Adapter;
import io.fedlora.peft.PeftAdapterFiles;
import io.fedlora.peft.PeftWriteOptions;
import io.fedlora.peft.SafeTensors;
import io.fedlora.peft.SafeTensorsFormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;

/**
 * A round's accepted client updates inside its checkpoint: one PEFT adapter directory per client
 * and {@value #INDEX} listing them in order.
 *
 * <pre>{@code
 * [ {"clientId": "w1", "round": 3, "exampleCount": 600, "metrics": {"loss": 0.4},
 *    "directory": "w1"}, … ]
 * }</pre>
 *
 * A directory is named after its client id when the id is a plain file name ({@code
 * [A-Za-z0-9._-]}, not starting with a dot); other characters are written as {@code %XX} bytes of
 * their UTF-8 form, and a name that would clash with an earlier one on a case-insensitive file
 * system gets {@code ~<index>}. Readers follow {@code directory}, never the id.
 *
 * <p>Reading checks every listed adapter's config and weights header, so a missing or truncated
 * file fails when the checkpoint is read; the tensors themselves are loaded when a strategy asks
 * for them.
 */
final class UpdateArchive {

    static final String NAME = "updates";
    static final String INDEX = "updates.json";

    private UpdateArchive() {}

    /** Writes the updates into {@code dir} (created); nothing at all when there are none. */
    static void write(Path dir, List<FitResult> updates) throws IOException {
        if (updates.isEmpty()) {
            return;
        }
        Files.createDirectories(dir);
        ArrayNode index = JsonNodeFactory.instance.arrayNode();
        Set<String> clients = new HashSet<>();
        Set<String> directories = new HashSet<>();
        for (int i = 0; i < updates.size(); i++) {
            FitResult u = updates.get(i);
            if (!clients.add(u.clientId())) {
                throw new IllegalArgumentException(
                        "round " + u.round() + " has two updates from client " + u.clientId());
            }
            String name = directoryName(u.clientId());
            if (!directories.add(name.toLowerCase(Locale.ROOT))) {
                name = name + "~" + i;
                directories.add(name.toLowerCase(Locale.ROOT));
            }
            Path adapterDir = dir.resolve(name);
            try {
                PeftAdapterFiles.write(adapterDir, u.adapter(), PeftWriteOptions.defaults());
            } catch (SafeTensorsFormatException e) {
                throw new IOException(e.getMessage(), e);
            }
            ObjectNode entry = index.addObject();
            entry.put("clientId", u.clientId());
            entry.put("round", u.round());
            entry.put("exampleCount", u.exampleCount());
            entry.set("metrics", JsonNumbers.object(new TreeMap<>(u.metrics()), "metric"));
            entry.put("directory", name);
        }
        RunFiles.writeJson(dir.resolve(INDEX), index);
    }

    /**
     * The updates {@code dir} holds, in the order they were written; empty when it does not exist.
     *
     * @throws IOException with a one-line message naming the file, when the index or a listed
     *     adapter is missing or malformed
     */
    static List<FitResult> read(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        Path indexFile = dir.resolve(INDEX);
        JsonNode index = RunFiles.readJson(indexFile);
        if (!index.isArray()) {
            throw new IOException(indexFile + ": expected a JSON array of updates");
        }
        List<FitResult> updates = new ArrayList<>();
        for (int i = 0; i < index.size(); i++) {
            JsonNode n = index.get(i);
            try {
                Path adapterDir = dir.resolve(plainName(text(n, "directory")));
                checkReadable(adapterDir);
                updates.add(
                        new FitResult(
                                text(n, "clientId"),
                                integer(n, "round"),
                                integer(n, "exampleCount"),
                                JsonNumbers.map(n.get("metrics"), "metrics"),
                                new StoredUpdate(adapterDir)));
            } catch (IllegalArgumentException e) {
                throw new IOException(indexFile + ": update " + i + ": " + e.getMessage(), e);
            }
        }
        return updates;
    }

    /** An update read from its adapter directory each time a strategy loads it. */
    private record StoredUpdate(Path dir) implements UpdateHandle {
        @Override
        public Adapter load() {
            return PeftAdapterFiles.read(dir);
        }
    }

    private static void checkReadable(Path adapterDir) throws IOException {
        try {
            PeftAdapterFiles.readConfig(adapterDir);
            SafeTensors.readHeader(adapterDir.resolve(PeftAdapterFiles.WEIGHTS_FILE));
        } catch (SafeTensorsFormatException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    static String directoryName(String clientId) {
        StringBuilder s = new StringBuilder();
        for (byte b : clientId.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            boolean plain =
                    (c >= 'a' && c <= 'z')
                            || (c >= 'A' && c <= 'Z')
                            || (c >= '0' && c <= '9')
                            || c == '-'
                            || c == '_'
                            || (c == '.' && s.length() > 0);
            if (plain) {
                s.append(c);
            } else {
                s.append(String.format(Locale.ROOT, "%%%02X", b & 0xff));
            }
        }
        return s.length() == 0 ? "%" : s.toString();
    }

    /** A directory name from the index, refused when it would lead out of the updates folder. */
    private static String plainName(String name) {
        if (name.isEmpty() || name.startsWith(".") || name.contains("/") || name.contains("\\")) {
            throw new IllegalArgumentException("directory \"" + name + "\" is not a plain name");
        }
        return name;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException(field + " must be a string, got " + v);
        }
        return v.textValue();
    }

    private static long integer(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException(field + " must be an integer, got " + v);
        }
        return v.longValue();
    }
}
