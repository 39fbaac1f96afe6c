package io.fedlora.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedlora.peft.PeftAdapterFiles;
import io.fedlora.peft.PeftLoraConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fedlora admin …}: watch and steer a running coordinator through its HTTP admin API. Each
 * sub-command is one API call; views print a table (or the server's JSON with {@code --json}).
 */
@Command(
        name = "admin",
        mixinStandardHelpOptions = true,
        description = "Watch and steer a running coordinator through its admin API.",
        subcommands = {
            AdminCommand.Status.class,
            AdminCommand.Workers.class,
            AdminCommand.Rounds.class,
            AdminCommand.Pause.class,
            AdminCommand.Resume.class,
            AdminCommand.Stop.class,
            AdminCommand.Export.class
        })
final class AdminCommand implements Runnable {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Where the admin API is and the token it wants. */
    static final class Connection {
        @Option(
                names = "--url",
                paramLabel = "URL",
                defaultValue = "http://127.0.0.1:8080",
                description = "The coordinator's admin API (default: ${DEFAULT-VALUE}).")
        String url;

        @Option(
                names = "--token",
                paramLabel = "TOKEN",
                defaultValue = "${env:FEDLORA_ADMIN_TOKEN}",
                description =
                        "The admin token (default: $FEDLORA_ADMIN_TOKEN, which keeps it out of"
                                + " the process list).")
        String token;

        AdminClient client() {
            return new AdminClient(url, token);
        }
    }

    /** One API call whose JSON answer is printed for people, or as is with {@code --json}. */
    abstract static class View implements Callable<Integer> {
        @Mixin Connection connection;

        @Option(names = "--json", description = "Print the server's JSON as is.")
        boolean json;

        /** The API path, relative to the URL. */
        abstract String path();

        /** Whether the call changes the run (POST) or only reads it (GET). */
        boolean changesTheRun() {
            return false;
        }

        abstract String render(JsonNode answer);

        @Override
        public Integer call() throws IOException {
            AdminClient client = connection.client();
            String body = changesTheRun() ? client.post(path()) : client.get(path());
            if (json) {
                System.out.println(body.strip());
            } else {
                System.out.print(render(JSON.readTree(body)));
            }
            return 0;
        }
    }

    @Command(name = "status", description = "The run: round, state, workers, results, accuracy.")
    static final class Status extends View {
        @Override
        String path() {
            return "api/status";
        }

        @Override
        String render(JsonNode answer) {
            return AdminViews.status(answer);
        }
    }

    @Command(name = "workers", description = "The admitted workers and their last heartbeat.")
    static final class Workers extends View {
        @Override
        String path() {
            return "api/workers";
        }

        @Override
        String render(JsonNode answer) {
            return AdminViews.workers(answer);
        }
    }

    @Command(name = "rounds", description = "The completed rounds, oldest first.")
    static final class Rounds extends View {
        @Override
        String path() {
            return "api/rounds";
        }

        @Override
        String render(JsonNode answer) {
            return AdminViews.rounds(answer);
        }
    }

    /** A control request: its reply says whether it changed anything. */
    abstract static class Control extends View {
        @Override
        boolean changesTheRun() {
            return true;
        }

        @Override
        String render(JsonNode answer) {
            return AdminViews.control(answer);
        }
    }

    @Command(name = "pause", description = "Start no new round until resume (this one finishes).")
    static final class Pause extends Control {
        @Override
        String path() {
            return "api/pause";
        }
    }

    @Command(name = "resume", description = "Start rounds again after a pause.")
    static final class Resume extends Control {
        @Override
        String path() {
            return "api/resume";
        }
    }

    @Command(name = "stop", description = "End the run after the current round (checkpointed).")
    static final class Stop extends Control {
        @Override
        String path() {
            return "api/stop";
        }
    }

    @Command(
            name = "export",
            description =
                    "Download the current global adapter into a PEFT adapter directory"
                            + " (adapter_model.safetensors, adapter_config.json).")
    static final class Export implements Callable<Integer> {
        @Mixin Connection connection;

        @Option(
                names = "--out",
                required = true,
                paramLabel = "DIR",
                description = "Directory to write the adapter to (created if missing).")
        Path out;

        @Override
        public Integer call() throws IOException {
            byte[] zip = connection.client().getBytes("api/adapter");
            Map<String, Path> written = AdapterUnzip.into(zip, out);
            // Reading the config back proves the files are an adapter PEFT can load.
            PeftLoraConfig config = PeftAdapterFiles.readConfig(out);
            System.out.printf(
                    Locale.ROOT,
                    "wrote the adapter (r=%d, lora_alpha=%s, target modules %s) to %s/%n",
                    config.r(),
                    trim(config.loraAlpha()),
                    String.join(",", config.targetModules()),
                    out.toAbsolutePath().normalize());
            for (Path f : written.values()) {
                System.out.printf(Locale.ROOT, "  %s (%d bytes)%n", f.getFileName(), Files.size(f));
            }
            return 0;
        }

        private static String trim(double v) {
            return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
        }
    }
}
