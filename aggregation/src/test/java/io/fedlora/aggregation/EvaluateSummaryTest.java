package io.fedlora.aggregation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvaluateSummaryTest {

    @Test
    void weightsLossAndMetricsByExamplesOverTheClientsThatReportThem() {
        EvaluateSummary s =
                EvaluateSummary.weightedMean(
                        4,
                        List.of(
                                new EvaluateResult("a", 4, 100, 1.0, Map.of("accuracy", 0.5)),
                                new EvaluateResult(
                                        "b", 4, 300, 2.0, Map.of("accuracy", 0.9, "f1", 0.7))),
                        List.of(new Failure("c", 4, "timed out")));
        assertEquals(1.75, s.loss(), 1e-15);
        assertEquals(0.8, s.metrics().get("accuracy"), 1e-15);
        assertEquals(0.7, s.metrics().get("f1"), 1e-15);
        assertEquals(2, s.clients());
        assertEquals(1, s.failures());
    }

    @Test
    void noExamplesGiveNoFigures() {
        EvaluateSummary s = EvaluateSummary.weightedMean(1, List.of(), List.of());
        assertTrue(Double.isNaN(s.loss()));
        assertTrue(s.metrics().isEmpty());
    }
}
