package io.fedlora.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fedlora config get}: what the launch scripts read settings through. */
class ConfigCommandTest {

    @Test
    void shouldPrintEachValueOnItsOwnLineWithTheFileOverTheDefaults(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("node.conf");
        Files.writeString(
                file,
                "fedlora.coordinator { rounds = 7, admin { port = 9191, token = \"s3cret\" } }\n"
                        + "fedlora.cluster.seed-nodes = [\"10.1.2.3:25520\", \"10.1.2.4:25520\"]\n");

        CliRun r =
                CliRun.of(
                        "config",
                        "get",
                        "--config",
                        file.toString(),
                        "fedlora.coordinator.rounds",
                        "fedlora.coordinator.admin.port",
                        "fedlora.coordinator.admin.token",
                        "fedlora.coordinator.admin.host",
                        "fedlora.cluster.seed-nodes",
                        "fedlora.transport.term-length");

        assertEquals(0, r.code(), r.err());
        assertEquals(
                List.of(
                        "7",
                        "9191",
                        "s3cret",
                        "127.0.0.1",
                        "[\"10.1.2.3:25520\",\"10.1.2.4:25520\"]",
                        "64MiB"),
                r.out().lines().toList());
    }

    @Test
    void shouldFailInOneLineAndPrintNothingForAnUnknownKey(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("node.conf");
        Files.writeString(file, "fedlora.coordinator.rounds = 3\n");

        CliRun r =
                CliRun.of(
                        "config",
                        "get",
                        "--config",
                        file.toString(),
                        "fedlora.coordinator.rounds",
                        "fedlora.coordinator.no-such-key");

        assertEquals(1, r.code());
        assertEquals("", r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("fedlora.coordinator.no-such-key"), r.err());
    }

    @Test
    void shouldRefuseAMissingConfigFile(@TempDir Path dir) {
        CliRun r =
                CliRun.of(
                        "config",
                        "get",
                        "--config",
                        dir.resolve("absent.conf").toString(),
                        "fedlora.coordinator.rounds");

        assertEquals(1, r.code());
        assertTrue(r.err().contains("absent.conf"), r.err());
    }
}
