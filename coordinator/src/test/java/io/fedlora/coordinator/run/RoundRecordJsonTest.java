package io.fedlora.coordinator.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fedlora.aggregation.EvaluateSummary;
import io.fedlora.aggregation.Failure;
import io.fedlora.simulation.Evaluation;
import io.fedlora.simulation.RoundRecord;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RoundRecordJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** An evaluated round with every kind of double JSON cannot spell as a number. */
    static RoundRecord evaluatedRound(long round) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("client_loss", 0.1 + 0.2);
        metrics.put("aggregation_error", Double.NaN);
        metrics.put("residual", Double.POSITIVE_INFINITY);
        metrics.put("drift", Double.NEGATIVE_INFINITY);
        metrics.put("tiny", Double.MIN_VALUE);
        Map<String, Double> accuracy = new LinkedHashMap<>();
        accuracy.put("w2", 0.75);
        accuracy.put("w1", 1.0 / 3);
        Map<String, Double> loss = new LinkedHashMap<>();
        loss.put("w2", 0.5);
        loss.put("w1", Double.NaN);
        return new RoundRecord(
                round,
                round,
                3,
                List.of("w2", "w1"),
                List.of(new Failure("w3", round, "timed out, \"slow\"\nworker")),
                metrics,
                "",
                Optional.of(
                        new Evaluation(
                                new EvaluateSummary(
                                        round,
                                        0.62,
                                        Map.of("accuracy", 0.54, "f1", Double.NaN),
                                        2,
                                        1),
                                accuracy,
                                loss)),
                12.345678901);
    }

    @Test
    void shouldRoundTripEveryFieldThroughJsonText() throws Exception {
        RoundRecord r = evaluatedRound(4);
        String text = JSON.writeValueAsString(RoundRecordJson.toJson(r));
        RoundRecord back = RoundRecordJson.fromJson(JSON.readTree(text));

        assertEquals(r, back);
        // NaN != NaN as doubles, but Double.equals (used by the maps) treats NaN as equal: check
        // the bits explicitly so that a NaN read back as something else would fail.
        assertTrue(Double.isNaN(back.metrics().get("aggregation_error")));
        assertEquals(Double.POSITIVE_INFINITY, back.metrics().get("residual"));
        assertEquals(Double.NEGATIVE_INFINITY, back.metrics().get("drift"));
        assertEquals(Double.MIN_VALUE, back.metrics().get("tiny"));
        assertEquals(0.1 + 0.2, back.metrics().get("client_loss"));
        assertEquals(List.copyOf(r.metrics().keySet()), List.copyOf(back.metrics().keySet()));
        Evaluation e = back.evaluation().orElseThrow();
        assertEquals(List.of("w2", "w1"), List.copyOf(e.accuracy().keySet()));
        assertEquals(1.0 / 3, e.accuracy().get("w1"));
        assertTrue(Double.isNaN(e.loss().get("w1")));
        assertEquals(0.54, e.meanAccuracy());
        assertEquals(12.345678901, back.seconds());
    }

    @Test
    void shouldWriteStrictJsonWithNonFiniteValuesAsStrings() throws Exception {
        ObjectNode n = RoundRecordJson.toJson(evaluatedRound(1));
        String text = JSON.writeValueAsString(n);

        assertFalse(text.contains(":NaN"), text);
        assertEquals("NaN", n.get("metrics").get("aggregation_error").textValue());
        assertEquals("Infinity", n.get("metrics").get("residual").textValue());
        assertEquals("-Infinity", n.get("metrics").get("drift").textValue());
        assertEquals(0.75, n.get("evaluation").get("accuracy_by_client").get("w2").doubleValue());
        assertEquals(
                "timed out, \"slow\"\nworker", n.get("failures").get(0).get("reason").asText());
    }

    @Test
    void shouldRoundTripARoundWithoutEvaluation() {
        RoundRecord r =
                new RoundRecord(
                        2,
                        1,
                        4,
                        List.of(),
                        List.of(),
                        Map.of(),
                        "too few updates",
                        Optional.empty(),
                        0.0);
        ObjectNode n = RoundRecordJson.toJson(r);

        assertFalse(n.has("evaluation"));
        assertEquals(r, RoundRecordJson.fromJson(n));
    }

    @Test
    void shouldNameTheFieldThatIsMissingOrMistyped() throws Exception {
        ObjectNode n = RoundRecordJson.toJson(evaluatedRound(1));
        n.remove("version");
        IllegalArgumentException missing =
                assertThrows(IllegalArgumentException.class, () -> RoundRecordJson.fromJson(n));
        assertTrue(
                missing.getMessage().startsWith("version must be an integer"),
                missing.getMessage());

        JsonNode typo =
                JSON.readTree(
                        JSON.writeValueAsString(RoundRecordJson.toJson(evaluatedRound(1)))
                                .replace("\"NaN\"", "\"nan\""));
        IllegalArgumentException wrong =
                assertThrows(IllegalArgumentException.class, () -> RoundRecordJson.fromJson(typo));
        assertTrue(wrong.getMessage().startsWith("metrics.aggregation_error"), wrong.getMessage());
    }
}
