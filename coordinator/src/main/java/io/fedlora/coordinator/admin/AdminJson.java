package io.fedlora.coordinator.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fedlora.coordinator.run.RoundRecordJson;
import io.fedlora.simulation.RoundRecord;
import java.util.List;

/**
 * The admin API's JSON. Field names are the records' component names; rounds are {@link
 * RoundRecordJson}'s form. Doubles that are not finite (e.g. {@code lastAccuracy} before the first
 * evaluation) are the strings {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"} everywhere, as
 * in the round records: JSON has no such numbers.
 */
final class AdminJson {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private AdminJson() {}

    static String status(RunStatus status) {
        return write(MAPPER.valueToTree(status));
    }

    /**
     * The workers, each with {@code heartbeatAgeSeconds} measured on the coordinator's clock, so a
     * viewer whose clock is off still sees how long ago each worker was heard from.
     */
    static String workers(List<WorkerStatus> workers, long nowMillis) {
        ArrayNode list = MAPPER.createArrayNode();
        for (WorkerStatus w : workers) {
            ObjectNode node = MAPPER.valueToTree(w);
            node.put("heartbeatAgeSeconds", Math.max(0, nowMillis - w.lastHeartbeatMillis()) / 1e3);
            list.add(node);
        }
        return write(list);
    }

    static String rounds(List<RoundRecord> rounds) {
        ArrayNode list = MAPPER.createArrayNode();
        rounds.forEach(r -> list.add(RoundRecordJson.toJson(r)));
        return write(list);
    }

    static String control(ControlReply reply) {
        return write(MAPPER.valueToTree(reply));
    }

    static String error(String message) {
        return write(MAPPER.createObjectNode().put("error", message));
    }

    static String write(Object tree) {
        try {
            return MAPPER.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("admin JSON could not be written", e);
        }
    }
}
