package io.fedlora.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command's own work: reading the file, flags over it, and one-line errors before anything
 * starts. The worker's protocol is tested in the worker module.
 */
class WorkerCommandTest {

    private static void assertOneLineError(CliRun run, String... parts) {
        assertEquals(1, run.code(), run.out() + run.err());
        assertEquals(1, run.err().lines().count(), run.err());
        assertTrue(run.err().startsWith("fedlora: "), run.err());
        for (String p : parts) {
            assertTrue(run.err().contains(p), run.err());
        }
    }

    @Test
    void shouldRefuseAMissingConfigFile(@TempDir Path dir) {
        Path missing = dir.resolve("nope.conf");
        assertOneLineError(
                CliRun.of("worker", "--config", missing.toString()), "nope.conf", "does not exist");
    }

    @Test
    void shouldRefuseAnUnknownScenarioFromTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("worker.conf");
        Files.writeString(file, "fedlora.scenario.name = imagenet\n");
        assertOneLineError(
                CliRun.of("worker", "--config", file.toString()), "'imagenet'", "feature-domain");
    }

    @Test
    void shouldRefuseAClientTheScenarioDoesNotHaveBeforeLoadingData(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("worker.conf");
        // The data directory does not exist: the client is refused before anything is read.
        Files.writeString(
                file,
                "fedlora.scenario { clients = 2, data-dir = \""
                        + dir.resolve("no-data").toString().replace("\\", "/")
                        + "\" }\nfedlora.worker.client = 0\n");
        assertOneLineError(
                CliRun.of("worker", "--config", file.toString(), "--client", "5", "--id", "w5"),
                "client 5",
                "0..1");
    }

    @Test
    void shouldReportAMalformedFileInOneLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("broken.conf");
        Files.writeString(file, "fedlora.worker { id = \n");
        assertOneLineError(CliRun.of("worker", "--config", file.toString()), "broken.conf");
    }
}
