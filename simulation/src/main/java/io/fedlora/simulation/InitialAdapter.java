package io.fedlora.simulation;

import io.fedlora.lora.Adapter;
import io.fedlora.model.AdaptableModel;
import io.fedlora.model.LoraConfig;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The adapter a federated run starts from: LoRA enabled on a model over the base, {@code A} drawn
 * from the run seed, {@code B} zero (so the first global model adds nothing to the base). The
 * simulation loop and the cluster coordinator both start from it, so equal seeds give equal starts.
 */
public final class InitialAdapter {

    private InitialAdapter() {}

    /**
     * @param base the frozen base weights (only read)
     * @param lora rank, alpha, targets and modules to save of the adapter
     * @param seed the run seed; the same seed gives the same adapter
     */
    public static Adapter of(
            ModelFactory models, Map<String, INDArray> base, LoraConfig lora, long seed) {
        AdaptableModel model = models.overBase(base);
        model.enableLora(lora, new Random(Seeds.mix(seed)));
        return model.exportAdapter();
    }
}
