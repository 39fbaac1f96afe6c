package io.fedlora.peft;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The content of a safetensors file: tensors by name, in the order of the file's header, and the
 * header's {@code __metadata__} strings. Both maps are unmodifiable; the arrays are fresh copies
 * owned by the caller.
 */
public record SafeTensorsFile(Map<String, INDArray> tensors, Map<String, String> metadata) {

    public SafeTensorsFile {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }
}
