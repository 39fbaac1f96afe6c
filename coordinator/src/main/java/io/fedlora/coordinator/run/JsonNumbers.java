package io.fedlora.coordinator.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Doubles in strict JSON. JSON has no NaN or infinities, yet losses diverge and a metric nobody
 * reported is NaN; those three are written as the strings {@code "NaN"}, {@code "Infinity"} and
 * {@code "-Infinity"}, which JavaScript's {@code Number(…)} and Python's {@code float(…)} read back
 * as the same value. Finite values are plain JSON numbers, written with Java's shortest
 * round-tripping decimal form, so reading gives back the identical double.
 */
final class JsonNumbers {

    private JsonNumbers() {}

    static JsonNode node(double v) {
        if (Double.isFinite(v)) {
            return JsonNodeFactory.instance.numberNode(v);
        }
        return JsonNodeFactory.instance.textNode(Double.toString(v));
    }

    /**
     * The double a node holds.
     *
     * @param what names the field in the error message
     * @throws IllegalArgumentException when the node is missing, or neither a number nor one of the
     *     three non-finite strings
     */
    static double value(JsonNode n, String what) {
        if (n != null && n.isNumber()) {
            return n.doubleValue();
        }
        if (n != null && n.isTextual()) {
            switch (n.textValue()) {
                case "NaN":
                    return Double.NaN;
                case "Infinity":
                    return Double.POSITIVE_INFINITY;
                case "-Infinity":
                    return Double.NEGATIVE_INFINITY;
                default:
                    break;
            }
        }
        throw new IllegalArgumentException(
                what + " must be a number, \"NaN\", \"Infinity\" or \"-Infinity\", got " + n);
    }

    /** A name → double map as a JSON object, in the map's order. */
    static ObjectNode object(Map<String, Double> values, String what) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        values.forEach(
                (name, v) -> {
                    if (v == null) {
                        throw new IllegalArgumentException(what + " " + name + " has no value");
                    }
                    o.set(name, node(v));
                });
        return o;
    }

    /** The inverse of {@link #object}: a JSON object of numbers, in the object's order. */
    static Map<String, Double> map(JsonNode n, String what) {
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException(what + " must be a JSON object, got " + n);
        }
        Map<String, Double> values = new LinkedHashMap<>();
        n.fields()
                .forEachRemaining(
                        e -> values.put(e.getKey(), value(e.getValue(), what + "." + e.getKey())));
        return values;
    }
}
