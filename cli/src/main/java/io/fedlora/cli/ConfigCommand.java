package io.fedlora.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fedlora config}: the configuration as fedlora's processes resolve it (a file over every
 * module's defaults, environment substitutions applied). The launch scripts read the settings they
 * need through {@code fedlora config get}, so they see exactly what the coordinator will.
 */
@Command(
        name = "config",
        mixinStandardHelpOptions = true,
        description = "Show resolved configuration values.",
        subcommands = {ConfigCommand.Get.class})
final class ConfigCommand implements Runnable {

    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code fedlora config get [--config FILE] KEY...}: one resolved value per line. */
    @Command(
            name = "get",
            mixinStandardHelpOptions = true,
            description = {
                "Print the resolved value of each KEY, one per line, in order: strings as they"
                        + " are, numbers, booleans and durations as written, lists and objects as"
                        + " one-line JSON.",
                "An unknown KEY prints nothing and fails (exit code 1)."
            })
    static final class Get implements Callable<Integer> {

        @Option(
                names = "--config",
                description = "HOCON file read over the built-in defaults (none: defaults only).")
        Path config;

        @Parameters(arity = "1..*", paramLabel = "KEY", description = "Dotted setting paths.")
        List<String> keys;

        @Override
        public Integer call() {
            Config resolved = ConfigFiles.load(config, Map.of());
            List<String> lines = new ArrayList<>(keys.size());
            for (String key : keys) {
                if (!resolved.hasPathOrNull(key)) {
                    throw new IllegalArgumentException(
                            "no setting "
                                    + key
                                    + (config != null ? " in " + config + " or" : " in")
                                    + " the defaults");
                }
                lines.add(resolved.getIsNull(key) ? "" : text(resolved.getValue(key)));
            }
            // Printed only once every key resolved, so a script never reads a partial answer.
            lines.forEach(System.out::println);
            return 0;
        }

        private static String text(ConfigValue value) {
            if (value.valueType() == ConfigValueType.LIST
                    || value.valueType() == ConfigValueType.OBJECT) {
                return value.render(ConfigRenderOptions.concise());
            }
            return String.valueOf(value.unwrapped());
        }
    }
}
