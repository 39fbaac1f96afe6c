package io.fedlora.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fedlora simulate} end to end on tiny settings (a base pre-trained for two steps). */
class SimulateCommandTest {

    @Test
    void shouldRunTheExperimentAndWriteItsFiles(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        CliRun r =
                CliRun.of(
                        "simulate",
                        "--strategies",
                        "fedit",
                        "--rounds",
                        "2",
                        "--seeds",
                        "1",
                        "--clients",
                        "2",
                        "--local-steps",
                        "2",
                        "--batch-size",
                        "8",
                        "--eval-every",
                        "1",
                        "--train-per-client",
                        "16",
                        "--test-per-client",
                        "16",
                        "--pretrain-steps",
                        "2",
                        "--cache-dir",
                        dir.resolve("cache").toString(),
                        "--run-dir",
                        run.toString());

        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("[fedit seed 1] round 2/2  2/2 clients"), r.out());
        assertTrue(r.out().contains("final acc % (± sd)"), r.out());
        List<String> csv = Files.readAllLines(run.resolve("results.csv"));
        assertEquals(
                "strategy,seed,round,accuracy,loss,accuracy_c0-identity,accuracy_c1-inverted",
                csv.get(0));
        assertEquals(4, csv.size(), "rounds 0, 1 and 2");
        assertTrue(csv.get(3).startsWith("fedit,1,2,"), csv.get(3));
        List<String> summary = Files.readAllLines(run.resolve("summary.csv"));
        assertEquals(2, summary.size());
        assertTrue(summary.get(1).startsWith("fedit,1,"), summary.get(1));
        assertTrue(Files.size(run.resolve("results.json")) > 0);
        assertTrue(Files.readString(run.resolve("accuracy.svg")).contains("fedit"));
    }

    @Test
    void shouldRefuseABadStrategyOptionBeforePreparingAnything(@TempDir Path dir) {
        CliRun r =
                CliRun.of(
                        "simulate",
                        "--strategies",
                        "fedit",
                        "--option",
                        "lambda=0.5",
                        "--cache-dir",
                        dir.resolve("cache").toString(),
                        "--run-dir",
                        dir.resolve("run").toString());
        assertEquals(1, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("fedlora: strategy fedit has no option lambda"), r.err());
        assertFalse(Files.exists(dir.resolve("cache")), "no pre-training started");

        CliRun scoped =
                CliRun.of(
                        "simulate",
                        "--strategies",
                        "fedit",
                        "--option",
                        "lora-fair.lambda=0.5",
                        "--run-dir",
                        dir.resolve("run").toString());
        assertEquals(1, scoped.code(), scoped.err());
        assertTrue(scoped.err().contains("not among [fedit]"), scoped.err());
    }
}
