package io.fedlora.cli;

import io.fedlora.peft.PeftAdapterFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Unpacks the admin API's adapter zip into a PEFT adapter directory. Only the two PEFT files are
 * accepted (any other entry, e.g. a path reaching out of the directory, refuses the whole archive),
 * and nothing is written until the archive has been read whole, so a bad download leaves the
 * directory as it was.
 */
final class AdapterUnzip {

    static final Set<String> FILES =
            Set.of(PeftAdapterFiles.WEIGHTS_FILE, PeftAdapterFiles.CONFIG_FILE);

    private AdapterUnzip() {}

    /** Writes the archive's files into {@code dir} (created if missing); returns them by name. */
    static Map<String, Path> into(byte[] zip, Path dir) throws IOException {
        Map<String, byte[]> contents = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                if (!FILES.contains(e.getName())) {
                    throw new IOException(
                            "the adapter archive holds an unexpected entry '" + e.getName() + "'");
                }
                if (contents.put(e.getName(), in.readAllBytes()) != null) {
                    throw new IOException("the adapter archive holds " + e.getName() + " twice");
                }
            }
        }
        for (String name : FILES) {
            if (!contents.containsKey(name)) {
                throw new IOException("the adapter archive lacks " + name);
            }
        }
        Files.createDirectories(dir);
        Map<String, Path> written = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : contents.entrySet()) {
            Path target = dir.resolve(e.getKey());
            Path tmp = dir.resolve(e.getKey() + ".part");
            Files.write(tmp, e.getValue());
            Files.move(
                    tmp,
                    target,
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            written.put(e.getKey(), target);
        }
        return written;
    }
}
