package io.fedlora.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedlora.aggregation.EvaluateResult;
import io.fedlora.aggregation.EvaluateSummary;
import io.fedlora.aggregation.Failure;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.aggregation.StrategySpec;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/** The experiment files from hand-made runs whose figures are known. */
class ExperimentReportTest {

    private static final GlobalModel GLOBAL =
            GlobalModel.initial(
                    new Adapter(
                            Map.of("m", new LoraPair(Nd4j.zeros(1, 2), Nd4j.zeros(2, 1))),
                            1,
                            1,
                            List.of("m"),
                            Map.of()));

    /** Client c0 holds 10 test examples, c1 30. */
    private static Evaluation evaluation(long round, double acc0, double acc1) {
        List<EvaluateResult> results =
                List.of(
                        new EvaluateResult("c0", round, 10, 1.0, Map.of("accuracy", acc0)),
                        new EvaluateResult("c1", round, 30, 2.0, Map.of("accuracy", acc1)));
        Map<String, Double> accuracy = new LinkedHashMap<>();
        accuracy.put("c0", acc0);
        accuracy.put("c1", acc1);
        Map<String, Double> loss = new LinkedHashMap<>();
        loss.put("c0", 1.0);
        loss.put("c1", 2.0);
        return new Evaluation(
                EvaluateSummary.weightedMean(round, results, List.of()), accuracy, loss);
    }

    private static RunResult run(String strategy, long seed, double final0, double final1) {
        RoundRecord initial =
                new RoundRecord(
                        0,
                        0,
                        0,
                        List.of(),
                        List.of(),
                        Map.of(),
                        "initial model",
                        Optional.of(evaluation(0, 0.2, 0.4)),
                        0.1);
        RoundRecord one =
                new RoundRecord(
                        1,
                        1,
                        2,
                        List.of("c0"),
                        List.of(new Failure("c1", 1, "update rejected (non_finite): x")),
                        Map.of("aggregation_error", 0.5),
                        "",
                        Optional.empty(),
                        0.2);
        RoundRecord two =
                new RoundRecord(
                        2,
                        2,
                        2,
                        List.of("c0", "c1"),
                        List.of(),
                        Map.of(),
                        "",
                        Optional.of(evaluation(2, final0, final1)),
                        0.3);
        return new RunResult(strategy, seed, List.of(initial, one, two), GLOBAL, Map.of(), 0.6);
    }

    private static ExperimentResult result() {
        return new ExperimentResult(
                "two clients",
                new Experiment.Settings(
                        List.of(StrategySpec.of("a"), StrategySpec.of("b")),
                        List.of(1L, 2L),
                        TinyFederation.settings(2, 1)),
                List.of(
                        run("a", 1, 0.5, 0.7),
                        run("a", 2, 0.7, 0.9),
                        run("b", 1, 0.3, 0.3),
                        run("b", 2, 0.3, 0.3)));
    }

    @Test
    void shouldSummariseTheFinalAccuracyOverSeeds() {
        List<ExperimentReport.Row> rows = ExperimentReport.summary(result());
        assertEquals(2, rows.size());
        ExperimentReport.Row a = rows.get(0);
        // Final mean accuracies (10·acc0 + 30·acc1) / 40: seed 1 0.65, seed 2 0.85.
        assertEquals("a", a.strategy());
        assertEquals(2, a.seeds());
        assertEquals(0.75, a.finalAccuracy().mean(), 1e-12);
        assertEquals(Math.sqrt(2 * 0.1 * 0.1), a.finalAccuracy().sd(), 1e-12);
        assertEquals(0.35, a.initialAccuracy().mean(), 1e-12);
        assertEquals(0.3, rows.get(1).finalAccuracy().mean(), 1e-12);
        assertEquals(0.0, rows.get(1).finalAccuracy().sd(), 1e-12);
        String table = ExperimentReport.table(rows);
        assertTrue(table.contains("75.00 ± 14.14"), table);
    }

    @Test
    void shouldWriteTheFourFiles(@TempDir Path dir) throws Exception {
        ExperimentReport.write(dir, result());

        List<String> csv = Files.readAllLines(dir.resolve(ExperimentReport.RESULTS_CSV));
        assertEquals("strategy,seed,round,accuracy,loss,accuracy_c0,accuracy_c1", csv.get(0));
        assertEquals(1 + 4 * 2, csv.size(), "evaluated rounds 0 and 2 of four runs");
        assertEquals("a,2,2,0.850000,1.750000,0.700000,0.900000", csv.get(4));

        List<String> summary = Files.readAllLines(dir.resolve(ExperimentReport.SUMMARY_CSV));
        assertEquals(
                "strategy,seeds,final_accuracy_mean,final_accuracy_sd,initial_accuracy_mean",
                summary.get(0));
        assertEquals("a,2,0.750000,0.141421,0.350000", summary.get(1));
        assertEquals("b,2,0.300000,0.000000,0.350000", summary.get(2));

        JsonNode json =
                new ObjectMapper().readTree(dir.resolve(ExperimentReport.RESULTS_JSON).toFile());
        assertEquals(4, json.get("runs").size());
        JsonNode round1 = json.get("runs").get(0).get("rounds").get(1);
        assertEquals("c1", round1.get("failures").get(0).get("client").asText());
        assertEquals(0.5, round1.get("metrics").get("aggregation_error").asDouble());
        assertEquals(
                0.9,
                json.get("runs")
                        .get(1)
                        .get("rounds")
                        .get(2)
                        .get("evaluation")
                        .get("clients")
                        .get("c1")
                        .get("accuracy")
                        .asDouble());

        String svg = Files.readString(dir.resolve(ExperimentReport.CHART));
        assertTrue(svg.startsWith("<svg"), svg);
        assertTrue(svg.contains(">a<") && svg.contains(">b<"), "legend names the strategies");
    }
}
