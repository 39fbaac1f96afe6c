package io.fedlora.simulation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fedlora.data.FashionMnist;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioConfigTest {

    private static Config config(String hocon) {
        return ConfigFactory.parseString(hocon)
                .withFallback(ConfigFactory.defaultReference())
                .resolve();
    }

    private static Config tiny(Path cache) {
        return config(
                "fedlora.scenario { model = tiny, clients = 3, train-per-client = 16,"
                        + " test-per-client = 10, pretrain-examples = 64, pretrain-steps = 2,"
                        + " seed = 7, cache-dir = \""
                        + cache.toString().replace("\\", "/")
                        + "\" }");
    }

    @Test
    void shouldReadTheDefaultsOfTheSimulatedFeatureDomainScenario() {
        ScenarioConfig c = ScenarioConfig.fromConfig(config(""));
        assertEquals("feature-domain", c.name());
        assertEquals(FeatureDomainScenario.Settings.defaults(), c.settings());
        assertEquals(Path.of("runs", "cache"), c.settings().cacheDir());
        assertEquals(FashionMnist.DEFAULT_DIRECTORY, c.settings().dataDir());
        assertEquals(1, c.seed());
    }

    @Test
    void shouldReadTheTinyModelAndTheSizes(@TempDir Path cache) {
        ScenarioConfig c = ScenarioConfig.fromConfig(tiny(cache));
        FeatureDomainScenario.Settings s = c.settings();
        assertEquals(ScenarioConfig.TINY_MODEL, s.model());
        assertEquals(16, s.model().dim());
        assertEquals(1, s.model().blocks());
        assertEquals(2, s.lora().rank());
        assertEquals(List.of("q", "v"), s.lora().targetModules());
        assertEquals(List.of("head"), s.lora().modulesToSave());
        assertEquals(3, s.clients());
        assertEquals(16, s.trainPerClient());
        assertEquals(10, s.testPerClient());
        assertEquals(64, s.pretrainExamples());
        assertEquals(2, s.pretrainSteps());
        assertEquals(cache, s.cacheDir());
        assertEquals(7, c.seed());
    }

    @Test
    void shouldRefuseUnknownNamesAndBadValuesInOneLine() {
        assertRefused("fedlora.scenario.name = cifar", "'cifar'", "feature-domain");
        assertRefused("fedlora.scenario.model = huge", "'huge'", "default, tiny");
        assertRefused("fedlora.scenario.clients = many", "clients", "NUMBER");
        assertRefused("fedlora.scenario.pretrain-steps = -1", "pretrain-steps", ">= 0");
        assertRefused("fedlora.scenario.train-per-client = 20000", "fedlora.scenario", "60000");
    }

    private static void assertRefused(String hocon, String... parts) {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> ScenarioConfig.fromConfig(config(hocon)));
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), e.getMessage());
        }
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void shouldDrawTheInitialAdapterFromTheSeedWithBZero(@TempDir Path cache) {
        ScenarioConfig c = ScenarioConfig.fromConfig(tiny(cache));
        FeatureDomainScenario scenario = c.prepare(line -> {});
        assertEquals(3, c.clients(scenario).size());
        Adapter first = c.initialAdapter(scenario);
        Adapter again = c.initialAdapter(scenario);
        Adapter otherSeed =
                new ScenarioConfig(c.name(), c.settings(), c.seed() + 1).initialAdapter(scenario);
        assertEquals(2, first.rank());
        assertEquals(4.0, first.alpha());
        assertEquals(
                List.of("blocks.0.attn.q", "blocks.0.attn.v"),
                List.copyOf(first.modules().keySet()));
        for (Map.Entry<String, LoraPair> e : first.modules().entrySet()) {
            LoraPair p = e.getValue();
            assertEquals(0.0, p.b().norm2Number().doubleValue(), e.getKey() + " B");
            assertTrue(p.a().norm2Number().doubleValue() > 0, e.getKey() + " A");
            assertArrayEquals(
                    p.a().ravel().toFloatVector(),
                    again.module(e.getKey()).a().ravel().toFloatVector());
            assertFalse(
                    java.util.Arrays.equals(
                            p.a().ravel().toFloatVector(),
                            otherSeed.module(e.getKey()).a().ravel().toFloatVector()));
        }
    }

    @Test
    void shouldStartTheSimulatedLoopFromTheSameInitialAdapter() {
        RecordingStrategy strategy = new RecordingStrategy();
        long seed = 5;
        new FederatedLoop(
                        strategy,
                        TinyFederation.clients(),
                        TinyFederation.models(),
                        SharedBase.copyOf(TinyFederation.base()),
                        TinyFederation.LORA,
                        TinyFederation.settings(1, seed))
                .run();
        Adapter loopStart = strategy.startedFrom.get(0).adapter();
        Adapter expected =
                InitialAdapter.of(
                        TinyFederation.models(), TinyFederation.base(), TinyFederation.LORA, seed);
        assertEquals(expected.modules().keySet(), loopStart.modules().keySet());
        for (String m : expected.modules().keySet()) {
            assertArrayEquals(
                    expected.module(m).a().ravel().toFloatVector(),
                    loopStart.module(m).a().ravel().toFloatVector(),
                    m);
            assertArrayEquals(
                    expected.module(m).b().ravel().toFloatVector(),
                    loopStart.module(m).b().ravel().toFloatVector(),
                    m);
        }
    }
}
