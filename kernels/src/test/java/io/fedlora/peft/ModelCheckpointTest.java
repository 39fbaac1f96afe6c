package io.fedlora.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ModelCheckpointTest {

    @TempDir Path dir;

    /** Names deliberately out of alphabetical order: the file must keep the map's order. */
    private static Map<String, INDArray> weights() {
        SplittableRandom rng = new SplittableRandom(5);
        Map<String, INDArray> w = new LinkedHashMap<>();
        w.put(
                "embed.weight",
                Nd4j.create(SafeTensorsTest.randomFloats(rng, 12 * 8), new long[] {12, 8}, 'c'));
        w.put(
                "blocks.0.attn.q.weight",
                Nd4j.create(SafeTensorsTest.randomFloats(rng, 64), new long[] {8, 8}, 'c'));
        w.put(
                "blocks.0.attn.q.bias",
                Nd4j.create(SafeTensorsTest.randomFloats(rng, 8), new long[] {8}, 'c'));
        w.put("head.weight", Nd4j.create(new double[] {0.1, -0.2, 1e300}, new long[] {1, 3}, 'c'));
        return w;
    }

    @Test
    void shouldWriteOrderedTensorsAndMetadataThatAnIndependentReaderSees() throws IOException {
        Map<String, INDArray> w = weights();
        Path file = dir.resolve("model.safetensors");

        ModelCheckpoint.write(file, w, Map.of("round", "12"));

        IndependentSafeTensorsReader.Parsed p = IndependentSafeTensorsReader.parse(file);
        assertEquals(List.copyOf(w.keySet()), List.copyOf(p.tensors().keySet()));
        assertEquals(Map.of("format", "pt", "round", "12"), p.metadata());
        for (Map.Entry<String, INDArray> e : w.entrySet()) {
            IndependentSafeTensorsReader.Raw raw = p.tensors().get(e.getKey());
            assertArrayEquals(e.getValue().shape(), raw.shape());
            if (e.getValue().dataType() == DataType.DOUBLE) {
                assertEquals("F64", raw.dtype(), "doubles keep their precision");
                double[] d = e.getValue().dup('c').data().asDouble();
                for (int i = 0; i < d.length; i++) {
                    assertEquals(Double.doubleToRawLongBits(d[i]), raw.longAt(i));
                }
                continue;
            }
            assertEquals("F32", raw.dtype());
            float[] v = e.getValue().dup('c').data().asFloat();
            for (int i = 0; i < v.length; i++) {
                assertEquals(
                        Float.floatToRawIntBits(v[i]),
                        raw.floatBits(i),
                        e.getKey() + "[" + i + "]");
            }
        }
    }

    @Test
    void shouldRoundTripInOrderAndLoadIntoAModel() {
        Map<String, INDArray> w = weights();
        Path file = dir.resolve("model.safetensors");
        ModelCheckpoint.write(file, w, Map.of());

        SafeTensorsFile back = ModelCheckpoint.read(file);
        assertEquals(List.copyOf(w.keySet()), List.copyOf(back.tensors().keySet()));
        assertEquals(w.get("embed.weight"), back.tensors().get("embed.weight"));

        Map<String, INDArray> model = new LinkedHashMap<>();
        w.forEach((k, v) -> model.put(k, Nd4j.zeros(v.dataType(), v.shape())));
        ModelCheckpoint.loadInto(file, model);
        assertEquals(w.get("blocks.0.attn.q.weight"), model.get("blocks.0.attn.q.weight"));
        assertEquals(DataType.DOUBLE, model.get("head.weight").dataType());
        assertArrayEquals(
                new double[] {0.1, -0.2, 1e300}, model.get("head.weight").data().asDouble());
    }

    @Test
    void shouldRefuseToLoadIntoAModelOfAnotherShape() {
        Path file = dir.resolve("model.safetensors");
        ModelCheckpoint.write(file, weights(), Map.of());
        Map<String, INDArray> model = new LinkedHashMap<>();
        weights().forEach((k, v) -> model.put(k, Nd4j.zeros(v.dataType(), v.shape())));
        model.put("embed.weight", Nd4j.zeros(DataType.FLOAT, 12, 9));

        SafeTensorsFormatException e =
                assertThrows(
                        SafeTensorsFormatException.class,
                        () -> ModelCheckpoint.loadInto(file, model));
        assertTrue(
                e.getMessage()
                        .contains(
                                "tensor embed.weight has shape [12, 8] but the model expects [12, 9]"),
                e.getMessage());
        assertEquals(0.0, model.get("head.weight").sumNumber().doubleValue(), "nothing copied");

        model.put("embed.weight", Nd4j.zeros(DataType.FLOAT, 12, 8));
        model.put("extra.weight", Nd4j.zeros(DataType.FLOAT, 1));
        e =
                assertThrows(
                        SafeTensorsFormatException.class,
                        () -> ModelCheckpoint.loadInto(file, model));
        assertTrue(
                e.getMessage().contains("the checkpoint has no tensor extra.weight"),
                e.getMessage());
    }
}
