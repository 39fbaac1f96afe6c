package io.fedlora.aggregation.server;

import io.fedlora.aggregation.ServerState;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A server optimizer's memory: the first moment {@code m} and (adaptive rules) second moment {@code
 * v} of every parameter tensor, keyed as {@link io.fedlora.aggregation.AdapterTensors}, and the
 * number of steps taken. It round-trips through {@link ServerState} exactly (tensors {@code
 * m.<key>}, {@code v.<key>}, value {@code step}), so a restarted coordinator takes the same next
 * step.
 */
final class ServerMoments {

    private final boolean adaptive;
    private final Map<String, INDArray> m = new LinkedHashMap<>();
    private final Map<String, INDArray> v = new LinkedHashMap<>();
    private long step;

    ServerMoments(boolean adaptive) {
        this.adaptive = adaptive;
    }

    long step() {
        return step;
    }

    void advance() {
        step++;
    }

    /**
     * Makes sure there is a moment for each of {@code parameters}' tensors: on first use {@code m =
     * 0} and {@code v = v0}, in each tensor's data type and shape; afterwards (or after a restore)
     * the keys and shapes must be those of {@code parameters}.
     *
     * @throws IllegalArgumentException naming the first tensor that does not fit
     */
    void ensureFor(Map<String, INDArray> parameters, double v0) {
        if (m.isEmpty()) {
            parameters.forEach(
                    (key, x) -> {
                        m.put(key, Nd4j.zeros(x.dataType(), x.shape()));
                        if (adaptive) {
                            v.put(key, Nd4j.zeros(x.dataType(), x.shape()).addi(v0));
                        }
                    });
            return;
        }
        if (!m.keySet().equals(parameters.keySet())) {
            throw new IllegalArgumentException(
                    "server optimizer state has tensors "
                            + m.keySet()
                            + " but the global adapter has "
                            + parameters.keySet());
        }
        for (Map.Entry<String, INDArray> e : parameters.entrySet()) {
            fit(m, e.getKey(), e.getValue());
            if (adaptive) {
                fit(v, e.getKey(), e.getValue());
            }
        }
    }

    private static void fit(Map<String, INDArray> moments, String key, INDArray x) {
        INDArray moment = moments.get(key);
        if (!Arrays.equals(moment.shape(), x.shape())) {
            throw new IllegalArgumentException(
                    "server optimizer state for "
                            + key
                            + " is "
                            + Arrays.toString(moment.shape())
                            + " but the global adapter's tensor is "
                            + Arrays.toString(x.shape()));
        }
        if (moment.dataType() != x.dataType()) {
            moments.put(key, moment.castTo(x.dataType()));
        }
    }

    INDArray m(String key) {
        return m.get(key);
    }

    /** The second moment, or null for a non-adaptive rule. */
    INDArray v(String key) {
        return adaptive ? v.get(key) : null;
    }

    /** Copies of the moments and the step count. */
    ServerState toState() {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        m.forEach((key, t) -> tensors.put("m." + key, t.dup()));
        v.forEach((key, t) -> tensors.put("v." + key, t.dup()));
        return new ServerState(tensors, Map.of("step", Long.toString(step)));
    }

    /** Replaces everything with {@code state} (as written by {@link #toState()}). */
    void restore(ServerState state) {
        Map<String, INDArray> restoredM = new LinkedHashMap<>();
        Map<String, INDArray> restoredV = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : state.tensors().entrySet()) {
            String key = e.getKey();
            if (key.startsWith("m.")) {
                restoredM.put(key.substring(2), e.getValue().dup());
            } else if (key.startsWith("v.") && adaptive) {
                restoredV.put(key.substring(2), e.getValue().dup());
            } else {
                throw new IllegalArgumentException(
                        "server optimizer state has an unexpected tensor " + key);
            }
        }
        if (adaptive && !restoredV.keySet().equals(restoredM.keySet())) {
            throw new IllegalArgumentException(
                    "server optimizer state has first moments for "
                            + restoredM.keySet()
                            + " but second moments for "
                            + restoredV.keySet());
        }
        for (String key : state.values().keySet()) {
            if (!key.equals("step")) {
                throw new IllegalArgumentException(
                        "server optimizer state has an unexpected value " + key);
            }
        }
        long restoredStep;
        try {
            restoredStep = state.values().isEmpty() ? 0 : Long.parseLong(state.value("step"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "server optimizer state: step " + state.value("step") + " is not an integer");
        }
        m.clear();
        m.putAll(restoredM);
        v.clear();
        v.putAll(restoredV);
        step = restoredStep;
    }
}
