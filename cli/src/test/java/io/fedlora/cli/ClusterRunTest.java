package io.fedlora.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.aggregation.Strategies;
import io.fedlora.aggregation.Strategy;
import io.fedlora.aggregation.StrategySpec;
import io.fedlora.coordinator.run.Checkpoint;
import io.fedlora.coordinator.run.RunDirectory;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import io.fedlora.peft.PeftAdapterFiles;
import io.fedlora.simulation.RoundRecord;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A coordinator and three worker processes over Aeron on loopback, five rounds of LoRA-FAIR on the
 * tiny feature-domain scenario: the final global adapter equals what the same strategy gives in
 * this JVM on the client updates the run checkpointed; the admin CLI sees and steers the live run;
 * a worker with a wrong join token is refused.
 */
class ClusterRunTest {

    static final String CONFIG =
            ClusterHarness.TINY_CLUSTER
                    + """
            fedlora.coordinator {
              run-dir = "run", rounds = 5, min-available = 3, min-fit = 3, eval-every = 1
              local-steps = 4, keep-updates = true, worker-timeout = 8s, round-timeout = 120s
              strategy.name = lora-fair
              admin { port = HTTP_PORT, token = "it-admin-token" }
            }
            """;

    @TempDir Path dir;

    @Test
    void fiveRoundsOfLoraFairMatchTheStrategyInProcess() throws Exception {
        int httpPort = ClusterHarness.freePort();
        String url = "http://127.0.0.1:" + httpPort;
        try (ClusterHarness cluster =
                new ClusterHarness(dir, CONFIG.replace("HTTP_PORT", Integer.toString(httpPort)))) {
            Files.writeString(
                    dir.resolve("wrong-token.conf"),
                    "include \"cluster.conf\"\nfedlora.cluster.join-token = \"not-the-token\"\n");
            Process coordinator = cluster.coordinator("coordinator");
            cluster.await(
                    "the admin API",
                    Duration.ofSeconds(90),
                    () -> admin(url, "it-admin-token", "status").code() == 0);
            // Paused before any worker joins: workers are admitted, but nothing runs until resumed
            // (a pause during a round takes effect when it ends; rounds here take about a second,
            // too short to aim a pause into one).
            assertEquals(0, admin(url, "it-admin-token", "pause").code());
            assertTrue(admin(url, "it-admin-token", "status").out().contains("paused"));
            List<Process> workers = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                workers.add(cluster.worker("worker-" + k, k));
            }
            Process intruder = cluster.worker("intruder", 0, dir.resolve("wrong-token.conf"));
            assertEquals(3, ClusterHarness.exitCode(intruder, Duration.ofSeconds(90)));
            assertTrue(
                    cluster.logText("coordinator").contains("refused worker intruder"),
                    cluster.tails());

            // The admin CLI against the live cluster.
            cluster.await(
                    "three workers admitted",
                    Duration.ofSeconds(120),
                    () ->
                            admin(url, "it-admin-token", "status", "--json")
                                    .out()
                                    .contains("\"workers\":3"));
            CliRun status = admin(url, "it-admin-token", "status", "--json");
            assertEquals(0, status.code(), status.err());
            assertTrue(status.out().contains("\"round\":0"), status.out());
            assertTrue(status.out().contains("\"state\":\"paused\""), status.out());
            CliRun workersTable = admin(url, "it-admin-token", "workers");
            for (int k = 0; k < 3; k++) {
                assertTrue(workersTable.out().contains("worker-" + k), workersTable.out());
            }
            // A request without the token, and the CLI with a wrong one, get 401.
            HttpResponse<String> bare =
                    HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(URI.create(url + "/api/status")).build(),
                                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, bare.statusCode());
            CliRun refused = admin(url, "not-the-admin-token", "status");
            assertEquals(1, refused.code());
            assertTrue(refused.err().contains("401"), refused.err());

            // Still paused with every worker there: only round 0's record, not even evaluated.
            Thread.sleep(3000);
            JsonNode rounds =
                    new ObjectMapper()
                            .readTree(admin(url, "it-admin-token", "rounds", "--json").out());
            assertEquals(1, rounds.size(), rounds.toString());
            assertFalse(cluster.logText("coordinator").contains("evaluated"));
            assertEquals(0, admin(url, "it-admin-token", "resume").code());

            assertEquals(
                    0,
                    ClusterHarness.exitCode(coordinator, Duration.ofSeconds(240)),
                    cluster.tails());
            for (Process w : workers) {
                assertEquals(
                        0, ClusterHarness.exitCode(w, Duration.ofSeconds(60)), cluster.tails());
            }
        }
        RunDirectory run = RunDirectory.open(dir.resolve("run"));
        List<RoundRecord> records = run.records();
        assertEquals(
                List.of(0L, 1L, 2L, 3L, 4L, 5L), records.stream().map(RoundRecord::round).toList());
        for (RoundRecord r : records.subList(1, records.size())) {
            assertEquals(3, r.accepted().size(), "round " + r.round() + ": " + r.failures());
            assertTrue(r.evaluation().isPresent(), "round " + r.round() + " evaluated");
        }
        assertReplayMatches(run);
    }

    /** LoRA-FAIR in this JVM, fed the checkpointed updates, gives every checkpointed global. */
    private static void assertReplayMatches(RunDirectory run) throws IOException {
        Strategy strategy = Strategies.create(StrategySpec.of("lora-fair"));
        GlobalModel global = strategy.initialize(run.checkpoint(0).global().adapter());
        for (long r = 1; r <= 5; r++) {
            Checkpoint c = run.checkpoint(r);
            List<FitResult> updates = c.updates();
            assertEquals(3, updates.size());
            global = global.next(strategy.aggregateFit(r, global, updates, List.of()));
            assertClose(c.global().adapter(), global.adapter(), "round " + r);
        }
        assertClose(PeftAdapterFiles.read(run.adapterDir()), global.adapter(), "run-dir/adapter");
        System.out.printf(
                "replay of 5 rounds: largest relative difference of a factor %.3g%n", largest);
    }

    /** The largest relative difference {@link #assertArrayClose} has seen. */
    private static double largest;

    private static void assertClose(Adapter expected, Adapter actual, String what) {
        assertEquals(expected.modules().keySet(), actual.modules().keySet(), what);
        for (Map.Entry<String, LoraPair> e : expected.modules().entrySet()) {
            LoraPair a = actual.modules().get(e.getKey());
            assertArrayClose(e.getValue().a(), a.a(), what + " " + e.getKey() + ".A");
            assertArrayClose(e.getValue().b(), a.b(), what + " " + e.getKey() + ".B");
        }
        assertEquals(expected.modulesToSave().keySet(), actual.modulesToSave().keySet(), what);
        expected.modulesToSave()
                .forEach(
                        (name, t) ->
                                assertArrayClose(
                                        t, actual.modulesToSave().get(name), what + " " + name));
    }

    private static void assertArrayClose(INDArray expected, INDArray actual, String what) {
        double scale = Math.max(1e-12, expected.norm2Number().doubleValue());
        double diff = expected.sub(actual).norm2Number().doubleValue();
        largest = Math.max(largest, diff / scale);
        assertTrue(diff <= 1e-6 * scale, what + ": relative difference " + diff / scale);
    }

    static CliRun admin(String url, String token, String... args) {
        List<String> argv = new ArrayList<>(List.of("admin"));
        argv.addAll(List.of(args));
        argv.addAll(List.of("--url", url, "--token", token));
        return CliRun.of(argv.toArray(String[]::new));
    }
}
