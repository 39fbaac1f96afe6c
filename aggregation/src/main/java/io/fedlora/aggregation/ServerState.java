package io.fedlora.aggregation;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What a strategy must remember between rounds (server-optimizer moments, a privacy accountant's
 * spent budget, …): named tensors plus named string values. The coordinator checkpoints it as one
 * safetensors file (tensors as tensors, values in the header's metadata), so every strategy's state
 * round-trips through the same format.
 */
public record ServerState(Map<String, INDArray> tensors, Map<String, String> values) {

    public static final ServerState EMPTY = new ServerState(Map.of(), Map.of());

    public ServerState {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public boolean isEmpty() {
        return tensors.isEmpty() && values.isEmpty();
    }

    /** A value that must be present; the message names the key when it is not. */
    public String value(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("server state has no value " + key);
        }
        return v;
    }

    /** A tensor that must be present; the message names the key when it is not. */
    public INDArray tensor(String key) {
        INDArray t = tensors.get(key);
        if (t == null) {
            throw new IllegalArgumentException("server state has no tensor " + key);
        }
        return t;
    }

    @Override
    public String toString() {
        return "ServerState" + tensors.keySet() + values.keySet();
    }
}
