package io.fedlora.cli;

import io.fedlora.data.DataFormatException;
import io.fedlora.peft.SafeTensorsFormatException;
import java.io.IOException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code fedlora} command: one sub-command per door into the framework. */
@Command(
        name = "fedlora",
        mixinStandardHelpOptions = true,
        version = "fedlora 0.1.0-SNAPSHOT",
        description = "Federated LoRA fine-tuning.",
        subcommands = {
            DemoCommand.class,
            SimulateCommand.class,
            AggregateCommand.class,
            CoordinatorCommand.class,
            WorkerCommand.class,
            AdminCommand.class
        })
public final class Fedlora implements Runnable {

    /**
     * Bad input (a missing or malformed data file, adapter or argument) is the user's to fix: it
     * gets its one-line reason, not a stack trace. Anything else is a bug and keeps its trace.
     */
    private static final List<Class<? extends Exception>> USER_ERRORS =
            List.of(
                    DataFormatException.class,
                    SafeTensorsFormatException.class,
                    IllegalArgumentException.class,
                    com.typesafe.config.ConfigException.class,
                    IOException.class);

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Fedlora())
                .setExecutionExceptionHandler(
                        (ex, cmd, parsed) -> {
                            if (USER_ERRORS.stream().noneMatch(t -> t.isInstance(ex))) {
                                throw ex;
                            }
                            cmd.getErr().println("fedlora: " + ex.getMessage());
                            return 1;
                        });
    }
}
