package io.fedlora.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A coordinator with a config it cannot run refuses at once, before pre-training anything. */
class CoordinatorCommandTest {

    @TempDir Path dir;

    private CliRun coordinator(String hocon) throws Exception {
        Path config = dir.resolve("coordinator.conf");
        Files.writeString(config, hocon + "\nfedlora.scenario.cache-dir = \"" + dir + "\"\n");
        return CliRun.of("coordinator", "--config", config.toString());
    }

    @Test
    void refusesAnEmptyAdminToken() throws Exception {
        CliRun run = coordinator("");
        assertEquals(1, run.code());
        assertEquals(
                "fedlora: fedlora.coordinator.admin.token is empty: the admin API will not start"
                        + " without one (set it, or FEDLORA_ADMIN_TOKEN)",
                run.err());
    }

    @Test
    void refusesAStrategyThatChangesTheBase() throws Exception {
        CliRun run =
                coordinator("fedlora.coordinator { admin.token = t, strategy.name = fedex-lora }");
        assertEquals(1, run.code());
        assertEquals(
                "fedlora: strategy fedex-lora changes the base model, which the cluster does not"
                        + " ship to workers yet; run it with fedlora simulate",
                run.err());
    }

    @Test
    void refusesAnUnknownStrategyOptionAndAMissingFile() throws Exception {
        CliRun run =
                coordinator(
                        "fedlora.coordinator { admin.token = t, strategy.options { lambda = x } }");
        assertEquals(1, run.code());
        assertEquals(
                1,
                CliRun.of("coordinator", "--config", dir.resolve("nope.conf").toString()).code());
        assertEquals(0, Files.list(dir).filter(p -> p.toString().endsWith(".safetensors")).count());
    }
}
