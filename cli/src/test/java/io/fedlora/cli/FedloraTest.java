package io.fedlora.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class FedloraTest {

    @Test
    void shouldReportABadDataFileInOneLine(@TempDir Path dir) throws Exception {
        // An images file whose magic number is wrong: the IDX reader names it, the CLI prints
        // only that reason.
        byte[] notIdx = {0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0};
        Files.write(dir.resolve("train-images-idx3-ubyte"), notIdx);
        Files.write(dir.resolve("train-labels-idx1-ubyte"), notIdx);
        StringWriter err = new StringWriter();
        CommandLine cli = Fedlora.commandLine();
        cli.setErr(new PrintWriter(err, true));

        int code =
                cli.execute(
                        "finetune",
                        "--data",
                        dir.toString(),
                        "--run-dir",
                        dir.resolve("run").toString());

        assertEquals(1, code);
        String text = err.toString().trim();
        assertEquals(1, text.lines().count(), text);
        assertTrue(text.startsWith("fedlora: "), text);
        assertTrue(text.contains("train-images-idx3-ubyte"), text);
        assertTrue(text.toLowerCase().contains("magic"), text);
    }
}
