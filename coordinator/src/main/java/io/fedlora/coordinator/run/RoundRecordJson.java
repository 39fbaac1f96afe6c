package io.fedlora.coordinator.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fedlora.aggregation.EvaluateSummary;
import io.fedlora.aggregation.Failure;
import io.fedlora.simulation.Evaluation;
import io.fedlora.simulation.RoundRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A {@link RoundRecord} as JSON and back, every field kept: the checkpoint's {@code round.json} and
 * the admin API's round list share this form.
 *
 * <pre>{@code
 * {
 *   "round": 3, "version": 3, "instructed": 6,
 *   "accepted": ["w1", "w2"],
 *   "failures": [{"client": "w3", "round": 3, "reason": "timed out"}],
 *   "metrics": {"client_loss": 0.41, "aggregation_error": "NaN"},
 *   "note": "",
 *   "seconds": 12.5,
 *   "evaluation": {                        // only when the round was evaluated
 *     "round": 3, "loss": 0.52, "metrics": {"accuracy": 0.83}, "clients": 6, "failures": 0,
 *     "accuracy_by_client": {"w1": 0.8}, "loss_by_client": {"w1": 0.6}
 *   }
 * }
 * }</pre>
 *
 * Doubles that are not finite are the strings {@code "NaN"}, {@code "Infinity"} and {@code
 * "-Infinity"} (JSON has no such numbers); finite ones are written so that reading them gives back
 * the identical double. Maps keep their order, except the evaluation summary's metrics, which have
 * none and are written sorted by name. Unknown fields are ignored when reading.
 */
public final class RoundRecordJson {

    private RoundRecordJson() {}

    /** The record as a JSON object. */
    public static ObjectNode toJson(RoundRecord r) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("round", r.round());
        n.put("version", r.version());
        n.put("instructed", r.instructed());
        ArrayNode accepted = n.putArray("accepted");
        r.accepted().forEach(accepted::add);
        ArrayNode failures = n.putArray("failures");
        for (Failure f : r.failures()) {
            failures.addObject()
                    .put("client", f.clientId())
                    .put("round", f.round())
                    .put("reason", f.reason());
        }
        n.set("metrics", JsonNumbers.object(r.metrics(), "metric"));
        n.put("note", r.note());
        n.set("seconds", JsonNumbers.node(r.seconds()));
        r.evaluation().ifPresent(e -> n.set("evaluation", evaluationJson(e)));
        return n;
    }

    /**
     * The record a JSON object describes: the exact inverse of {@link #toJson}.
     *
     * @throws IllegalArgumentException naming the field, when one is missing or of the wrong type
     */
    public static RoundRecord fromJson(JsonNode n) {
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("a round record must be a JSON object, got " + n);
        }
        List<String> accepted = new ArrayList<>();
        JsonNode acceptedNode = array(n, "accepted");
        for (int i = 0; i < acceptedNode.size(); i++) {
            accepted.add(text(acceptedNode.get(i), "accepted[" + i + "]"));
        }
        List<Failure> failures = new ArrayList<>();
        JsonNode failuresNode = array(n, "failures");
        for (int i = 0; i < failuresNode.size(); i++) {
            JsonNode f = failuresNode.get(i);
            String where = "failures[" + i + "]";
            failures.add(
                    new Failure(
                            text(f.get("client"), where + ".client"),
                            integer(f.get("round"), where + ".round"),
                            text(f.get("reason"), where + ".reason")));
        }
        JsonNode evaluation = n.get("evaluation");
        return new RoundRecord(
                integer(n.get("round"), "round"),
                integer(n.get("version"), "version"),
                intValue(n.get("instructed"), "instructed"),
                accepted,
                failures,
                JsonNumbers.map(n.get("metrics"), "metrics"),
                text(n.get("note"), "note"),
                evaluation == null || evaluation.isNull()
                        ? Optional.empty()
                        : Optional.of(evaluationFromJson(evaluation)),
                JsonNumbers.value(n.get("seconds"), "seconds"));
    }

    private static ObjectNode evaluationJson(Evaluation e) {
        EvaluateSummary s = e.summary();
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("round", s.round());
        n.set("loss", JsonNumbers.node(s.loss()));
        n.set("metrics", JsonNumbers.object(new TreeMap<>(s.metrics()), "evaluation metric"));
        n.put("clients", s.clients());
        n.put("failures", s.failures());
        n.set("accuracy_by_client", JsonNumbers.object(e.accuracy(), "accuracy of client"));
        n.set("loss_by_client", JsonNumbers.object(e.loss(), "loss of client"));
        return n;
    }

    private static Evaluation evaluationFromJson(JsonNode n) {
        if (!n.isObject()) {
            throw new IllegalArgumentException("evaluation must be a JSON object, got " + n);
        }
        EvaluateSummary summary =
                new EvaluateSummary(
                        integer(n.get("round"), "evaluation.round"),
                        JsonNumbers.value(n.get("loss"), "evaluation.loss"),
                        JsonNumbers.map(n.get("metrics"), "evaluation.metrics"),
                        intValue(n.get("clients"), "evaluation.clients"),
                        intValue(n.get("failures"), "evaluation.failures"));
        Map<String, Double> accuracy =
                JsonNumbers.map(n.get("accuracy_by_client"), "evaluation.accuracy_by_client");
        Map<String, Double> loss =
                JsonNumbers.map(n.get("loss_by_client"), "evaluation.loss_by_client");
        return new Evaluation(summary, accuracy, loss);
    }

    private static JsonNode array(JsonNode n, String field) {
        JsonNode a = n.get(field);
        if (a == null || !a.isArray()) {
            throw new IllegalArgumentException(field + " must be a JSON array, got " + a);
        }
        return a;
    }

    private static String text(JsonNode n, String what) {
        if (n == null || !n.isTextual()) {
            throw new IllegalArgumentException(what + " must be a string, got " + n);
        }
        return n.textValue();
    }

    private static int intValue(JsonNode n, String what) {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new IllegalArgumentException(what + " must be a 32-bit integer, got " + n);
        }
        return n.intValue();
    }

    private static long integer(JsonNode n, String what) {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new IllegalArgumentException(what + " must be an integer, got " + n);
        }
        return n.longValue();
    }
}
