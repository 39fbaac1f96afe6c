package io.fedlora.simulation;

import io.fedlora.peft.ModelCheckpoint;
import io.fedlora.peft.SafeTensorsFile;
import io.fedlora.peft.SafeTensorsFormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Pre-trained base weights cached as safetensors checkpoints, one file per recipe: pre-training
 * takes minutes, and every run of an experiment (and every later experiment) starts from the same
 * base. A file is found by a hash of its recipe (the key: model shape, data, steps, seed, …) and
 * used only when the recipe stored in its metadata is the same; otherwise, or when the file cannot
 * be read, the base is built again and the file replaced (written atomically, so concurrent runs at
 * worst build it twice).
 */
final class BaseCache {

    static final String KEY_METADATA = "fedlora.base_recipe";

    private BaseCache() {}

    /** The cache file of {@code key} under {@code dir}. */
    static Path fileFor(Path dir, String key) {
        return dir.resolve("base-" + sha256(key).substring(0, 16) + ".safetensors");
    }

    /**
     * The cached weights of {@code key}, or those {@code build} makes (then cached).
     *
     * @param log told whether the cache was used and why not
     */
    static Map<String, INDArray> loadOrBuild(
            Path dir, String key, Supplier<Map<String, INDArray>> build, Consumer<String> log) {
        Path file = fileFor(dir, key);
        if (Files.isRegularFile(file)) {
            try {
                SafeTensorsFile cached = ModelCheckpoint.read(file);
                if (key.equals(cached.metadata().get(KEY_METADATA))) {
                    log.accept("using the cached base " + file);
                    return new LinkedHashMap<>(cached.tensors());
                }
                log.accept("the cached base " + file + " has another recipe; building it again");
            } catch (SafeTensorsFormatException e) {
                log.accept("the cached base is unreadable (" + e.getMessage() + "); building it");
            }
        }
        Map<String, INDArray> weights = build.get();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot create the cache directory " + dir + ": " + e);
        }
        ModelCheckpoint.write(file, weights, Map.of(KEY_METADATA, key));
        log.accept("cached the base as " + file);
        return weights;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of()
                    .formatHex(
                            MessageDigest.getInstance("SHA-256")
                                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }
}
