package io.fedlora.model;

import static io.fedlora.nn.GradientCheck.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.data.Batch;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import io.fedlora.nn.LoraLinear;
import io.fedlora.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** LoRA injection by name, modules_to_save, adapter export/load and the shared base. */
class LoraInjectionTest {

    private static final VitConfig VIT = new VitConfig(4, 2, 4, 2, 2, 2, 3);

    @Test
    void shouldAdaptExactlyTheNamedModules() {
        VitClassifier m = VitClassifier.seeded(VIT, 1);
        m.enableLora(new LoraConfig(2, 4, 0.1, List.of("v", "q"), List.of("head")), new Random(1));
        List<String> adapted = m.adapted().stream().map(LoraLinear::name).toList();
        assertEquals(
                List.of("blocks.0.attn.q", "blocks.0.attn.v", "blocks.1.attn.q", "blocks.1.attn.v"),
                adapted);
        List<String> trainable =
                m.parameters().stream().filter(Parameter::trainable).map(Parameter::name).toList();
        assertEquals(
                List.of(
                        "blocks.0.attn.q.lora_A",
                        "blocks.0.attn.q.lora_B",
                        "blocks.0.attn.v.lora_A",
                        "blocks.0.attn.v.lora_B",
                        "blocks.1.attn.q.lora_A",
                        "blocks.1.attn.q.lora_B",
                        "blocks.1.attn.v.lora_A",
                        "blocks.1.attn.v.lora_B",
                        "head.weight",
                        "head.bias"),
                trainable);
    }

    @Test
    void shouldMatchFullPathsAndRejectUnknownTargets() {
        VitClassifier m = VitClassifier.seeded(VIT, 2);
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                m.enableLora(
                                        new LoraConfig(2, 4, 0, List.of("qq"), List.of()),
                                        new Random(1)));
        assertTrue(
                e.getMessage().startsWith("target module 'qq' matches no linear module"),
                e.getMessage());
        m.enableLora(
                new LoraConfig(2, 4, 0, List.of("blocks.1.mlp.fc2"), List.of()), new Random(1));
        assertEquals(
                List.of("blocks.1.mlp.fc2"), m.adapted().stream().map(LoraLinear::name).toList());
    }

    @Test
    void shouldGiveNoGradientToFrozenParameters() {
        Random rng = new Random(3);
        VitClassifier m = VitClassifier.seeded(VIT, 3);
        m.enableLora(new LoraConfig(2, 4, 0, List.of("q", "v"), List.of("head")), rng);
        m.forwardBackward(batch(rng), rng);
        for (Parameter p : m.parameters()) {
            if (p.trainable()) {
                assertTrue(
                        p.grad().amaxNumber().doubleValue() > 0 || p.name().endsWith("lora_A"),
                        p.name());
            } else {
                assertThrows(IllegalStateException.class, p::grad, p.name());
            }
        }
    }

    @Test
    void shouldRoundTripTheAdapter() {
        Random rng = new Random(4);
        LoraConfig cfg = new LoraConfig(2, 4, 0, List.of("q", "v", "fc1"), List.of("head"));
        VitClassifier a = VitClassifier.seeded(VIT, 4);
        a.enableLora(cfg, rng);
        for (Parameter p : a.parameters()) {
            if (p.trainable()) {
                p.value().assign(random(rng, p.value().shape()));
            }
        }
        Adapter exported = a.exportAdapter();
        assertEquals(6, exported.modules().size());
        assertEquals(
                List.of("head.weight", "head.bias"),
                List.copyOf(exported.modulesToSave().keySet()));
        assertEquals(2.0, exported.scale());

        VitClassifier b = VitClassifier.overBase(VIT, a.baseState());
        b.enableLora(cfg, new Random(99));
        Batch batch = batch(rng);
        assertTrue(Math.abs(a.evaluate(batch).lossSum() - b.evaluate(batch).lossSum()) > 1e-6);
        b.loadAdapter(exported);
        assertEquals(a.evaluate(batch).lossSum(), b.evaluate(batch).lossSum(), 1e-5);
        Adapter again = b.exportAdapter();
        for (Map.Entry<String, LoraPair> e : exported.modules().entrySet()) {
            assertTrue(e.getValue().a().equals(again.module(e.getKey()).a()));
            assertTrue(e.getValue().b().equals(again.module(e.getKey()).b()));
        }
        // the export is a copy: training on goes on without changing it
        a.adapted().get(0).loraA().value().addi(1);
        assertTrue(
                exported.module("blocks.0.attn.q").a().equals(again.module("blocks.0.attn.q").a()));
    }

    @Test
    void shouldRejectAnAdapterThatDoesNotFit() {
        Random rng = new Random(5);
        VitClassifier m = VitClassifier.seeded(VIT, 5);
        m.enableLora(new LoraConfig(2, 4, 0, List.of("q"), List.of()), rng);
        Adapter good = m.exportAdapter();
        Map<String, LoraPair> pairs = new LinkedHashMap<>(good.modules());
        pairs.put("blocks.0.attn.q", new LoraPair(random(rng, 2, 5), random(rng, 4, 2)));
        Adapter badShape = new Adapter(pairs, 2, 4, List.of("q"), Map.of());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> m.loadAdapter(badShape));
        assertTrue(
                e.getMessage().startsWith("blocks.0.attn.q.lora_A has shape [2, 4]"),
                e.getMessage());
        Map<String, LoraPair> fewer = new LinkedHashMap<>(good.modules());
        fewer.remove("blocks.1.attn.q");
        assertThrows(
                IllegalArgumentException.class,
                () -> m.loadAdapter(new Adapter(fewer, 2, 4, List.of("q"), Map.of())));
        assertThrows(
                IllegalArgumentException.class,
                () -> m.loadAdapter(new Adapter(good.modules(), 2, 8, List.of("q"), Map.of())));
    }

    @Test
    void shouldShareTheBaseWithoutCopyingOrWritingIt() {
        Random rng = new Random(6);
        VitClassifier owner = VitClassifier.seeded(VIT, 6);
        Map<String, INDArray> base = owner.baseState();
        Map<String, INDArray> before = new LinkedHashMap<>();
        base.forEach((k, v) -> before.put(k, v.dup()));
        VitClassifier client = VitClassifier.overBase(VIT, base);
        for (Parameter p : client.parameters()) {
            assertSame(base.get(p.name()), p.value(), p.name());
        }
        client.enableLora(new LoraConfig(2, 4, 0, List.of("q", "v"), List.of("head")), rng);
        for (int step = 0; step < 3; step++) {
            client.forwardBackward(batch(rng), rng);
            for (Parameter p : client.parameters()) {
                if (p.trainable()) {
                    p.value().subi(p.grad().mul(0.5));
                    p.zeroGrad();
                }
            }
        }
        assertFalse(
                client.exportAdapter()
                        .modulesToSave()
                        .get("head.weight")
                        .equals(before.get("head.weight")));
        before.forEach((k, v) -> assertTrue(v.equals(base.get(k)), k + " changed"));
        assertThrows(IllegalStateException.class, client::enableFullTraining);
        assertThrows(IllegalStateException.class, client::mergeAdapter);
    }

    @Test
    void shouldMergeWithoutChangingPredictions() {
        Random rng = new Random(7);
        VitClassifier m = VitClassifier.seeded(VIT, 7);
        m.enableLora(
                new LoraConfig(2, 4, 0, List.of("q", "k", "v", "o", "fc1", "fc2"), List.of()), rng);
        for (LoraLinear l : m.adapted()) {
            l.loraB().value().assign(random(rng, l.loraB().value().shape()));
        }
        Batch batch = batch(rng);
        double loss = m.evaluate(batch).lossSum();
        m.mergeAdapter();
        assertEquals(loss, m.evaluate(batch).lossSum(), 1e-4);
        m.unmergeAdapter();
        assertEquals(loss, m.evaluate(batch).lossSum(), 1e-4);
    }

    @Test
    void shouldInitialiseDeterministicallyFromTheSeed() {
        Map<String, INDArray> a = VitClassifier.seeded(VIT, 8).baseState();
        Map<String, INDArray> b = VitClassifier.seeded(VIT, 8).baseState();
        Map<String, INDArray> c = VitClassifier.seeded(VIT, 9).baseState();
        assertEquals(a.keySet(), b.keySet());
        a.forEach((k, v) -> assertTrue(v.equals(b.get(k)), k));
        assertFalse(a.get("blocks.0.attn.q.weight").equals(c.get("blocks.0.attn.q.weight")));
        // Xavier-uniform bound √(6 / (in + out)) for the 4 × 4 projections
        assertTrue(
                a.get("blocks.0.attn.q.weight").amaxNumber().doubleValue() <= Math.sqrt(6.0 / 8));
        assertTrue(a.get("pos_embed").amaxNumber().doubleValue() <= 0.04);
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> VitClassifier.overBase(new VitConfig(4, 2, 8, 2, 2, 2, 3), a));
        assertTrue(
                e.getMessage().startsWith("base tensor patch_embed.weight has shape [4, 4]"),
                e.getMessage());
    }

    private static Batch batch(Random rng) {
        return new Batch(
                random(rng, 5, 16)
                        .addi(1)
                        .divi(2)
                        .castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT),
                new int[] {0, 1, 2, 1, 0});
    }
}
