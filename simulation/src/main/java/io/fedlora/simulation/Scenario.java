package io.fedlora.simulation;

import io.fedlora.model.LoraConfig;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A federated setting to simulate: the clients and their data, the model they fine-tune, its frozen
 * base weights, and the adapter's configuration. One scenario serves many runs (strategies ×
 * seeds); each run gets its own copy of the base, since base updates change it.
 */
public interface Scenario {

    /** One line saying what is simulated, for reports. */
    String description();

    /** The clients, their data partitioned by {@code seed}. */
    List<VirtualClient> clients(long seed);

    ModelFactory models();

    /**
     * The frozen base weights; callers must not write into them (use {@link SharedBase#copyOf}).
     */
    Map<String, INDArray> baseWeights();

    LoraConfig lora();
}
