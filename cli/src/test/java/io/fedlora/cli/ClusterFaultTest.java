package io.fedlora.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.coordinator.run.RunDirectory;
import io.fedlora.simulation.RoundRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real processes, real failures: a worker killed in the middle of a round, and the coordinator
 * killed after round 3 and started again on the same run directory.
 */
class ClusterFaultTest {

    static final String CONFIG =
            ClusterHarness.TINY_CLUSTER
                    + """
            fedlora.coordinator {
              run-dir = "run", rounds = 5, min-available = 2, min-fit = 3, eval-every = 2
              local-steps = LOCAL_STEPS, worker-timeout = 6s, round-timeout = 120s
              strategy.name = lora-fair
              admin { port = 0, token = "it-admin-token" }
            }
            """;

    @TempDir Path dir;

    @Test
    void aWorkerKilledMidRoundIsAFailureAndTheRoundCompletesWithTheOthers() throws Exception {
        // Local training long enough (seconds, not the ~0.5 s of 40 steps) that the kill lands
        // while round 2 is being trained, however fast the machine polls the log.
        try (ClusterHarness cluster =
                new ClusterHarness(dir, CONFIG.replace("LOCAL_STEPS", "300"))) {
            Process coordinator = cluster.coordinator("coordinator");
            List<Process> workers = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                workers.add(cluster.worker("worker-" + k, k));
            }
            cluster.await(
                    "round 2 to start",
                    Duration.ofSeconds(180),
                    () -> cluster.logText("coordinator").contains("round 2/5: 3 workers"));
            workers.get(2).destroyForcibly();
            long killed = System.nanoTime();
            cluster.await(
                    "worker-2 to count as lost",
                    Duration.ofSeconds(60),
                    () -> cluster.logText("coordinator").contains("worker worker-2 lost"));
            System.out.printf(
                    "worker-2 killed mid-round: lost after %d ms%n",
                    (System.nanoTime() - killed) / 1_000_000);
            assertEquals(
                    0,
                    ClusterHarness.exitCode(coordinator, Duration.ofSeconds(300)),
                    cluster.tails());
        }
        List<RoundRecord> records = RunDirectory.open(dir.resolve("run")).records();
        assertEquals(
                List.of(0L, 1L, 2L, 3L, 4L, 5L), records.stream().map(RoundRecord::round).toList());
        RoundRecord second = records.get(2);
        assertEquals(List.of("worker-0", "worker-1"), second.accepted());
        assertTrue(
                second.failures().stream()
                        .anyMatch(
                                f ->
                                        f.clientId().equals("worker-2")
                                                && f.reason().startsWith("worker lost")),
                second.failures().toString());
        for (RoundRecord r : records.subList(3, records.size())) {
            assertEquals(2, r.accepted().size(), "round " + r.round());
        }
    }

    @Test
    void aCoordinatorKilledAfterRoundThreeResumesAtRoundFour() throws Exception {
        try (ClusterHarness cluster = new ClusterHarness(dir, CONFIG.replace("LOCAL_STEPS", "4"))) {
            Process first = cluster.coordinator("coordinator-1");
            List<Process> workers = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                workers.add(cluster.worker("worker-" + k, k));
            }
            Path roundThree = dir.resolve("run/checkpoints/round-000003");
            cluster.await(
                    "round 3's checkpoint",
                    Duration.ofSeconds(180),
                    () -> Files.isDirectory(roundThree));
            first.destroyForcibly();
            first.waitFor();
            long restarted = System.nanoTime();
            Process second = cluster.coordinator("coordinator-2");
            cluster.await(
                    "round 4 to start on the restarted coordinator",
                    Duration.ofSeconds(120),
                    () -> cluster.logText("coordinator-2").contains("round 4/5: "));
            System.out.printf(
                    "coordinator restarted: round 4 under way after %d ms%n",
                    (System.nanoTime() - restarted) / 1_000_000);
            assertEquals(
                    0, ClusterHarness.exitCode(second, Duration.ofSeconds(300)), cluster.tails());
            String log = cluster.logText("coordinator-2");
            assertTrue(log.contains("after round 3"), log);
            for (Process w : workers) {
                assertEquals(
                        0, ClusterHarness.exitCode(w, Duration.ofSeconds(60)), cluster.tails());
            }
        }
        List<RoundRecord> records = RunDirectory.open(dir.resolve("run")).records();
        assertEquals(
                List.of(0L, 1L, 2L, 3L, 4L, 5L), records.stream().map(RoundRecord::round).toList());
        List<String> csv = Files.readAllLines(dir.resolve("run/rounds.csv"));
        assertEquals(1 + 6, csv.size(), String.join("\n", csv));
        for (int r = 0; r <= 5; r++) {
            assertTrue(csv.get(1 + r).startsWith(r + ","), csv.get(1 + r));
        }
    }
}
