package io.fedlora.simulation;

import io.fedlora.model.AdaptableModel;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Builds a client's model over the shared frozen base weights, without copying them (for example
 * {@code base -> VitClassifier.overBase(config, base)}): every virtual client reads the same
 * arrays, so a thousand clients cost one base.
 */
@FunctionalInterface
public interface ModelFactory {

    AdaptableModel overBase(Map<String, INDArray> base);
}
