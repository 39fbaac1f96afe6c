package io.fedlora.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the {@code fedlora} command in process and keeps its exit code, stdout and stderr. */
record CliRun(int code, String out, String err) {

    static CliRun of(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = Fedlora.commandLine();
        cli.setErr(new PrintWriter(err, true));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(out, true));
        try {
            int code = cli.execute(args);
            return new CliRun(code, out.toString(), err.toString().trim());
        } finally {
            System.setOut(old);
        }
    }
}
