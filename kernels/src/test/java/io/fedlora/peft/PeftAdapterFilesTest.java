package io.fedlora.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class PeftAdapterFilesTest {

    @TempDir Path dir;

    private static INDArray random(SplittableRandom rng, long rows, long cols) {
        float[] v = new float[(int) (rows * cols)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rng.nextGaussian();
        }
        return Nd4j.create(v, new long[] {rows, cols}, 'c');
    }

    /** Two adapted modules of different shapes, rank 4, alpha 8, plus a saved classifier head. */
    private static Adapter sampleAdapter() {
        SplittableRandom rng = new SplittableRandom(42);
        Map<String, LoraPair> modules = new LinkedHashMap<>();
        modules.put("blocks.0.attn.q", new LoraPair(random(rng, 4, 16), random(rng, 16, 4)));
        modules.put("blocks.0.mlp.fc1", new LoraPair(random(rng, 4, 16), random(rng, 32, 4)));
        Map<String, INDArray> head = new LinkedHashMap<>();
        head.put("head.weight", random(rng, 10, 16));
        head.put("head.bias", random(rng, 1, 10).reshape(10));
        return new Adapter(modules, 4, 8.0, List.of("q", "fc1"), head);
    }

    private static void assertBitExact(INDArray expected, IndependentSafeTensorsReader.Raw raw) {
        assertEquals("F32", raw.dtype());
        assertArrayEquals(expected.shape(), raw.shape());
        float[] v = expected.dup('c').data().asFloat();
        for (int i = 0; i < v.length; i++) {
            assertEquals(Float.floatToRawIntBits(v[i]), raw.floatBits(i), "element " + i);
        }
    }

    private static void assertBitExact(INDArray expected, INDArray actual) {
        assertArrayEquals(expected.shape(), actual.shape());
        float[] e = expected.dup('c').data().asFloat();
        float[] a = actual.castTo(DataType.FLOAT).dup('c').data().asFloat();
        for (int i = 0; i < e.length; i++) {
            assertEquals(
                    Float.floatToRawIntBits(e[i]), Float.floatToRawIntBits(a[i]), "element " + i);
        }
    }

    @Test
    void shouldWriteThePeftKeysAndValuesThatAnIndependentReaderSees() throws IOException {
        Adapter adapter = sampleAdapter();

        PeftAdapterFiles.write(dir, adapter, PeftWriteOptions.defaults());

        IndependentSafeTensorsReader.Parsed p =
                IndependentSafeTensorsReader.parse(dir.resolve("adapter_model.safetensors"));
        assertEquals(
                new TreeSet<>(
                        List.of(
                                "base_model.model.blocks.0.attn.q.lora_A.weight",
                                "base_model.model.blocks.0.attn.q.lora_B.weight",
                                "base_model.model.blocks.0.mlp.fc1.lora_A.weight",
                                "base_model.model.blocks.0.mlp.fc1.lora_B.weight",
                                "base_model.model.head.weight",
                                "base_model.model.head.bias")),
                new TreeSet<>(p.tensors().keySet()));
        assertEquals(Map.of("format", "pt"), p.metadata());
        for (Map.Entry<String, LoraPair> e : adapter.modules().entrySet()) {
            String prefix = "base_model.model." + e.getKey();
            assertBitExact(e.getValue().a(), p.tensors().get(prefix + ".lora_A.weight"));
            assertBitExact(e.getValue().b(), p.tensors().get(prefix + ".lora_B.weight"));
        }
        assertBitExact(
                adapter.modulesToSave().get("head.weight"),
                p.tensors().get("base_model.model.head.weight"));
        assertBitExact(
                adapter.modulesToSave().get("head.bias"),
                p.tensors().get("base_model.model.head.bias"));
    }

    @Test
    void shouldWriteTheConfigFieldByFieldAsPeftNamesThem() throws IOException {
        PeftAdapterFiles.write(
                dir,
                sampleAdapter(),
                new PeftWriteOptions("org/tiny-model", "SEQ_CLS", false, 0.05, DType.F32));

        String text = Files.readString(dir.resolve("adapter_config.json"), StandardCharsets.UTF_8);
        JsonNode c = new ObjectMapper().readTree(text);
        assertEquals("LORA", c.get("peft_type").textValue());
        assertEquals(4, c.get("r").intValue());
        assertTrue(c.get("r").isIntegralNumber());
        assertEquals(8, c.get("lora_alpha").intValue());
        assertTrue(c.get("lora_alpha").isIntegralNumber(), "integral alpha written as PEFT does");
        assertEquals(List.of("q", "fc1"), strings(c.get("target_modules")));
        assertEquals(0.05, c.get("lora_dropout").doubleValue());
        assertEquals("none", c.get("bias").textValue());
        assertEquals(List.of("head"), strings(c.get("modules_to_save")));
        assertFalse(c.get("fan_in_fan_out").booleanValue());
        assertTrue(c.get("fan_in_fan_out").isBoolean());
        assertTrue(c.get("init_lora_weights").booleanValue());
        assertFalse(c.get("inference_mode").booleanValue());
        assertTrue(c.get("inference_mode").isBoolean());
        assertEquals("SEQ_CLS", c.get("task_type").textValue());
        assertEquals("org/tiny-model", c.get("base_model_name_or_path").textValue());
        assertTrue(c.get("rank_pattern").isObject() && c.get("rank_pattern").isEmpty());
        assertTrue(c.get("alpha_pattern").isObject() && c.get("alpha_pattern").isEmpty());
        assertFalse(c.get("use_rslora").booleanValue());
        assertFalse(c.get("use_dora").booleanValue());
        for (String nullField :
                List.of("revision", "layers_to_transform", "layers_pattern", "auto_mapping")) {
            assertTrue(c.get(nullField).isNull(), nullField);
        }
        List<String> keys = new ArrayList<>();
        c.fieldNames().forEachRemaining(keys::add);
        assertEquals(new ArrayList<>(new TreeSet<>(keys)), keys, "keys sorted as PEFT writes them");
        assertEquals(20, keys.size(), "no fields beyond those checked: " + keys);
        assertTrue(text.contains("\"peft_type\": \"LORA\""), "Python json layout: " + text);
    }

    @Test
    void shouldWriteNullModulesToSaveAndNullTaskByDefault() throws IOException {
        Adapter plain =
                new Adapter(sampleAdapter().modules(), 4, 8.0, List.of("q", "fc1"), Map.of());
        PeftAdapterFiles.write(dir, plain, PeftWriteOptions.defaults());
        JsonNode c = new ObjectMapper().readTree(dir.resolve("adapter_config.json").toFile());
        assertTrue(c.get("modules_to_save").isNull());
        assertTrue(c.get("task_type").isNull());
        assertTrue(c.get("base_model_name_or_path").isNull());
        assertTrue(c.get("inference_mode").booleanValue());
        assertEquals(0.0, c.get("lora_dropout").doubleValue());
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.textValue()));
        return out;
    }

    @Test
    void shouldRoundTripThroughTheReaderBitExact() {
        Adapter adapter = sampleAdapter();
        PeftAdapterFiles.write(dir, adapter, PeftWriteOptions.defaults());

        Adapter back = PeftAdapterFiles.read(dir);

        assertEquals(4, back.rank());
        assertEquals(8.0, back.alpha());
        assertEquals(List.of("q", "fc1"), back.targetModules());
        assertEquals(List.copyOf(adapter.modules().keySet()), List.copyOf(back.modules().keySet()));
        for (String m : adapter.modules().keySet()) {
            assertBitExact(adapter.module(m).a(), back.module(m).a());
            assertBitExact(adapter.module(m).b(), back.module(m).b());
        }
        assertEquals(
                List.of("head.weight", "head.bias"), List.copyOf(back.modulesToSave().keySet()));
        for (String t : adapter.modulesToSave().keySet()) {
            assertBitExact(adapter.modulesToSave().get(t), back.modulesToSave().get(t));
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(
                    List.of("adapter_config.json", "adapter_model.safetensors"),
                    files.map(f -> f.getFileName().toString()).sorted().toList(),
                    "no temporary files left");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void shouldRoundTripBf16StorageWithinBf16Precision() throws IOException {
        Adapter adapter = sampleAdapter();
        PeftAdapterFiles.write(dir, adapter, PeftWriteOptions.defaults().withStorage(DType.BF16));

        assertEquals(
                "BF16",
                IndependentSafeTensorsReader.parse(dir.resolve("adapter_model.safetensors"))
                        .tensors()
                        .get("base_model.model.blocks.0.attn.q.lora_A.weight")
                        .dtype());
        Adapter back = PeftAdapterFiles.read(dir);
        float[] a = adapter.module("blocks.0.mlp.fc1").b().data().asFloat();
        float[] b = back.module("blocks.0.mlp.fc1").b().data().asFloat();
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], Math.abs(a[i]) * 0x1p-8, "element " + i);
        }
    }

    // ---- PEFT files written by other tools

    private void writeConfig(String json) throws IOException {
        Files.writeString(dir.resolve("adapter_config.json"), json);
    }

    private static final String CONFIG =
            "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4, \"target_modules\": [\"q\"],"
                    + " \"modules_to_save\": null, \"bias\": \"none\", \"rank_pattern\": {},"
                    + " \"alpha_pattern\": {}, \"use_dora\": false, \"use_rslora\": false}";

    private void writeWeights(Map<String, INDArray> tensors) {
        SafeTensors.write(
                dir.resolve("adapter_model.safetensors"), tensors, Map.of("format", "pt"));
    }

    private static Map<String, INDArray> pairTensors(String prefix, String suffix) {
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put(
                prefix + "model.layers.0.q.lora_A" + suffix,
                Nd4j.create(new float[] {1, 2, 3, 4, 5, 6}, new long[] {2, 3}, 'c'));
        t.put(
                prefix + "model.layers.0.q.lora_B" + suffix,
                Nd4j.create(new float[] {1, 2, 3, 4}, new long[] {2, 2}, 'c'));
        return t;
    }

    @Test
    void shouldReadKeysWithAnAdapterNameOrWithoutPrefix() throws IOException {
        writeConfig(CONFIG);
        writeWeights(pairTensors("base_model.model.", ".default.weight"));
        Adapter named = PeftAdapterFiles.read(dir);
        assertEquals(List.of("model.layers.0.q"), List.copyOf(named.modules().keySet()));
        assertEquals(4.0, named.alpha());
        assertEquals(2.0, named.scale());
        assertArrayEquals(
                new float[] {1, 2, 3, 4, 5, 6},
                named.module("model.layers.0.q").a().data().asFloat());

        writeWeights(pairTensors("", ".weight"));
        assertEquals(
                List.of("model.layers.0.q"),
                List.copyOf(PeftAdapterFiles.read(dir).modules().keySet()));
    }

    @Test
    void shouldFoldRsLoraScaleIntoAlphaAndAcceptRegexTargetModules() throws IOException {
        writeConfig(
                CONFIG.replace("\"use_rslora\": false", "\"use_rslora\": true")
                        .replace("[\"q\"]", "\".*\\\\.q$\""));
        writeWeights(pairTensors("base_model.model.", ".weight"));
        Adapter a = PeftAdapterFiles.read(dir);
        // rsLoRA scales by alpha / sqrt(r) = 4 / sqrt(2); fedlora's alpha / r must equal it.
        assertEquals(4 / Math.sqrt(2), a.scale(), 1e-12);
        assertEquals(List.of(".*\\.q$"), a.targetModules());
    }

    @Test
    void shouldReadModulesToSaveByPeftSuffixMatchingAndInMemoryKeys() throws IOException {
        writeConfig(
                CONFIG.replace("\"modules_to_save\": null", "\"modules_to_save\": [\"score\"]"));
        Map<String, INDArray> t = pairTensors("base_model.model.", ".weight");
        t.put(
                "base_model.model.model.score.weight",
                Nd4j.create(new float[] {9, 8}, new long[] {1, 2}, 'c'));
        t.put(
                "base_model.model.model.score.modules_to_save.default.bias",
                Nd4j.create(new float[] {7}, new long[] {1}, 'c'));
        writeWeights(t);
        Adapter a = PeftAdapterFiles.read(dir);
        assertEquals(
                List.of("model.score.weight", "model.score.bias"),
                List.copyOf(a.modulesToSave().keySet()));
        assertArrayEquals(
                new float[] {7}, a.modulesToSave().get("model.score.bias").data().asFloat());
    }

    // ---- errors

    private void assertRejected(String expectedPhrase) {
        SafeTensorsFormatException e =
                assertThrows(SafeTensorsFormatException.class, () -> PeftAdapterFiles.read(dir));
        String msg = e.getMessage();
        assertFalse(msg.contains("\n"), "one line: " + msg);
        assertTrue(msg.startsWith(dir.toString()), "names the path: " + msg);
        assertTrue(msg.contains(expectedPhrase), "expected '" + expectedPhrase + "' in: " + msg);
    }

    @Test
    void shouldRejectMissingFilesAndDirectories() throws IOException {
        Path missing = dir.resolve("nope");
        SafeTensorsFormatException e =
                assertThrows(
                        SafeTensorsFormatException.class, () -> PeftAdapterFiles.read(missing));
        assertTrue(e.getMessage().contains("the adapter directory does not exist"), e.getMessage());

        assertRejected("the adapter directory has no adapter_config.json");
        writeConfig(CONFIG);
        assertRejected("the adapter directory has no adapter_model.safetensors");
        Files.write(dir.resolve("adapter_model.bin"), new byte[] {1});
        assertRejected("it has adapter_model.bin, a PyTorch pickle");
    }

    @Test
    void shouldRejectAModuleWithOnlyOneFactor() throws IOException {
        writeConfig(CONFIG);
        Map<String, INDArray> t = pairTensors("base_model.model.", ".weight");
        t.remove("base_model.model.model.layers.0.q.lora_B.weight");
        writeWeights(t);
        assertRejected("module model.layers.0.q has lora_A but no lora_B");
        t = pairTensors("base_model.model.", ".weight");
        t.remove("base_model.model.model.layers.0.q.lora_A.weight");
        writeWeights(t);
        assertRejected("module model.layers.0.q has lora_B but no lora_A");
    }

    @Test
    void shouldRejectShapesThatDisagreeWithR() throws IOException {
        writeConfig(CONFIG.replace("\"r\": 2", "\"r\": 3"));
        writeWeights(pairTensors("base_model.model.", ".weight"));
        assertRejected("module model.layers.0.q has lora_A of shape [2, 3] but the config's r = 3");
        writeConfig(CONFIG);
        Map<String, INDArray> t = pairTensors("base_model.model.", ".weight");
        t.put("base_model.model.model.layers.0.q.lora_B.weight", Nd4j.zeros(DataType.FLOAT, 2, 3));
        writeWeights(t);
        assertRejected("lora_B of shape [2, 3] but the config's r = 2 needs out × r");
    }

    @Test
    void shouldRejectWrongPeftTypeAndUnsupportedFeatures() throws IOException {
        writeWeights(pairTensors("base_model.model.", ".weight"));
        writeConfig(CONFIG.replace("\"LORA\"", "\"IA3\""));
        assertRejected("peft_type is \"IA3\" but only \"LORA\" adapters are supported");
        writeConfig(CONFIG.replace("\"rank_pattern\": {}", "\"rank_pattern\": {\"q\": 8}"));
        assertRejected("unsupported non-empty rank_pattern {\"q\":8}");
        writeConfig(CONFIG.replace("\"alpha_pattern\": {}", "\"alpha_pattern\": {\"q\": 2}"));
        assertRejected("unsupported non-empty alpha_pattern");
        writeConfig(CONFIG.replace("\"use_dora\": false", "\"use_dora\": true"));
        assertRejected("unsupported use_dora: true");
        writeConfig(CONFIG.replace("\"bias\": \"none\"", "\"bias\": \"all\""));
        assertRejected("unsupported bias \"all\"");
        writeConfig(CONFIG.replace("\"r\": 2", "\"r\": 0"));
        assertRejected("field \"r\" must be a positive integer, got 0");
        writeConfig("{\"peft_type\": \"LORA\", \"r\": 2,");
        assertRejected("adapter_config.json: not valid JSON");
    }

    @Test
    void shouldRejectTensorsThatAreNeitherFactorsNorSavedModules() throws IOException {
        writeConfig(CONFIG);
        Map<String, INDArray> t = pairTensors("base_model.model.", ".weight");
        t.put("base_model.model.model.norm.weight", Nd4j.ones(DataType.FLOAT, 3));
        writeWeights(t);
        assertRejected(
                "tensor base_model.model.model.norm.weight is neither a LoRA factor nor under modules_to_save []");
        t = pairTensors("base_model.model.", ".weight");
        t.put("base_model.model.model.embed.lora_embedding_A", Nd4j.ones(DataType.FLOAT, 2, 3));
        writeWeights(t);
        assertRejected("unsupported LoRA tensor base_model.model.model.embed.lora_embedding_A");
    }

    @Test
    void shouldRejectModulesToSaveNamesWithoutAModulePart() {
        Adapter bad =
                new Adapter(
                        sampleAdapter().modules(),
                        4,
                        8.0,
                        List.of("q"),
                        Map.of("head", Nd4j.ones(2)));
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> PeftAdapterFiles.write(dir, bad, PeftWriteOptions.defaults()));
        assertTrue(e.getMessage().contains("must be <module>.<parameter>"), e.getMessage());
    }
}
