package io.fedlora.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code fedlora} command: one sub-command per door into the framework. */
@Command(
        name = "fedlora",
        mixinStandardHelpOptions = true,
        version = "fedlora 0.1.0-SNAPSHOT",
        description = "Federated LoRA fine-tuning.",
        subcommands = {DemoCommand.class})
public final class Fedlora implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Fedlora()).execute(args));
    }
}
