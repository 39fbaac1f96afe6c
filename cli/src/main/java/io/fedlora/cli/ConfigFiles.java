package io.fedlora.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Loads a node's HOCON: the given file over the defaults ({@code ConfigFactory.load()}: JVM system
 * properties over every module's reference.conf), with command-line overrides (dotted keys) on top.
 * A missing file is an error, not an empty config.
 */
final class ConfigFiles {

    private ConfigFiles() {}

    static Config load(Path file, Map<String, Object> overrides) {
        Config base = ConfigFactory.empty();
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("config file " + file + " does not exist");
            }
            base =
                    ConfigFactory.parseFile(
                            file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        }
        return ConfigFactory.parseMap(overrides, "command line")
                .withFallback(base)
                .withFallback(ConfigFactory.load())
                .resolve();
    }
}
