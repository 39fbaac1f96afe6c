package io.fedlora.peft;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Base-model weights as one safetensors file: an ordered name → tensor map (names are the model's
 * dotted parameter paths, e.g. {@code blocks.0.attn.q.weight}) plus string metadata.
 *
 * <p>The file carries {@code "format": "pt"} in its metadata unless the caller sets another format,
 * because HF transformers refuses to load safetensors weights without it.
 */
public final class ModelCheckpoint {

    private ModelCheckpoint() {}

    /**
     * Writes {@code weights} in map order, atomically, each array in its own element type (FLOAT as
     * F32, DOUBLE as F64, …) so that a checkpoint loses nothing.
     */
    public static void write(
            Path path, Map<String, INDArray> weights, Map<String, String> metadata) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.putAll(metadata);
        SafeTensors.writeLossless(path, weights, meta);
    }

    /** Reads every tensor and the metadata, in file order. */
    public static SafeTensorsFile read(Path path) {
        return SafeTensors.read(path);
    }

    /**
     * Reads {@code path} and copies each tensor into the array of the same name in {@code
     * destination} (for example a model's frozen base weights), converting the element type.
     *
     * @throws SafeTensorsFormatException if the file lacks a destination name, holds a name the
     *     destination lacks, or a shape differs; nothing is copied then
     */
    public static void loadInto(Path path, Map<String, INDArray> destination) {
        Map<String, INDArray> tensors = SafeTensors.read(path).tensors();
        for (Map.Entry<String, INDArray> d : destination.entrySet()) {
            INDArray source = tensors.get(d.getKey());
            if (source == null) {
                throw new SafeTensorsFormatException(
                        path, "the checkpoint has no tensor " + d.getKey());
            }
            if (!Arrays.equals(source.shape(), d.getValue().shape())) {
                throw new SafeTensorsFormatException(
                        path,
                        "tensor "
                                + d.getKey()
                                + " has shape "
                                + Arrays.toString(source.shape())
                                + " but the model expects "
                                + Arrays.toString(d.getValue().shape()));
            }
        }
        for (String name : tensors.keySet()) {
            if (!destination.containsKey(name)) {
                throw new SafeTensorsFormatException(
                        path, "the checkpoint holds tensor " + name + ", which the model lacks");
            }
        }
        for (Map.Entry<String, INDArray> d : destination.entrySet()) {
            d.getValue().assign(tensors.get(d.getKey()).castTo(d.getValue().dataType()));
        }
    }
}
