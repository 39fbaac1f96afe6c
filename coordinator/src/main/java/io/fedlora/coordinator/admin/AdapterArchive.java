package io.fedlora.coordinator.admin;

import io.fedlora.peft.PeftAdapterFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A PEFT adapter directory as one zip: {@code adapter_model.safetensors} and {@code
 * adapter_config.json} at the archive's root, so unzipping it into a directory gives a directory
 * PEFT (and {@code PeftAdapterFiles.read}) loads.
 */
final class AdapterArchive {

    /** The files of a PEFT adapter, in the order they are archived. */
    static final List<String> FILES =
            List.of(PeftAdapterFiles.WEIGHTS_FILE, PeftAdapterFiles.CONFIG_FILE);

    private AdapterArchive() {}

    /**
     * Zips the adapter in {@code dir}. Both files are read before anything is written, so a
     * directory missing one fails whole rather than yielding half an adapter.
     *
     * @throws NoSuchFileException when either file is missing
     */
    static byte[] zip(Path dir) throws IOException {
        byte[][] contents = new byte[FILES.size()][];
        for (int i = 0; i < FILES.size(); i++) {
            contents[i] = Files.readAllBytes(dir.resolve(FILES.get(i)));
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(contents[0].length + 4096);
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (int i = 0; i < FILES.size(); i++) {
                zip.putNextEntry(new ZipEntry(FILES.get(i)));
                zip.write(contents[i]);
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }
}
