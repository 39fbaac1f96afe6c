package io.fedlora.simulation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.data.FashionMnist;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureDomainScenarioTest {

    /** The tiny test model, pre-trained for 2 steps on 64 images: the recipe, not the quality. */
    private static FeatureDomainScenario.Settings tiny(Path cache) {
        return FeatureDomainScenario.Settings.defaults()
                .withData(FashionMnist.DEFAULT_DIRECTORY)
                .withCache(cache)
                .withClients(6, 16, 10)
                .withPretraining(TinyFederation.MODEL, 64, 2);
    }

    @Test
    void shouldPretrainOnceAndReuseTheCachedBase(@TempDir Path cache) throws Exception {
        List<String> log = new ArrayList<>();
        FeatureDomainScenario first = FeatureDomainScenario.prepare(tiny(cache), log::add);
        assertTrue(
                log.stream().anyMatch(l -> l.startsWith("pre-training the base")), log.toString());
        log.clear();
        FeatureDomainScenario second = FeatureDomainScenario.prepare(tiny(cache), log::add);
        assertTrue(log.get(0).startsWith("using the cached base"), log.toString());
        assertFalse(log.stream().anyMatch(l -> l.contains("pre-train")), log.toString());
        assertEquals(first.baseWeights().keySet(), second.baseWeights().keySet());
        first.baseWeights()
                .forEach(
                        (name, t) ->
                                assertArrayEquals(
                                        t.ravel().toFloatVector(),
                                        second.baseWeights().get(name).ravel().toFloatVector(),
                                        name));

        // A damaged cache file is rebuilt, not trusted.
        Path file;
        try (var files = Files.list(cache)) {
            file =
                    files.filter(p -> p.toString().endsWith(".safetensors"))
                            .findFirst()
                            .orElseThrow();
        }
        Files.write(file, new byte[] {1, 2, 3});
        log.clear();
        FeatureDomainScenario.prepare(tiny(cache), log::add);
        assertTrue(log.get(0).contains("unreadable"), log.toString());
        assertTrue(Files.size(file) > 3);
    }

    @Test
    void shouldGiveEachClientOneDomainAndItsOwnData(@TempDir Path cache) {
        FeatureDomainScenario scenario = FeatureDomainScenario.prepare(tiny(cache), l -> {});
        List<VirtualClient> clients = scenario.clients(1);
        assertEquals(
                List.of(
                        "c0-identity",
                        "c1-inverted",
                        "c2-rotated",
                        "c3-blurred",
                        "c4-noisy",
                        "c5-edges"),
                clients.stream().map(VirtualClient::id).toList());
        for (VirtualClient c : clients) {
            assertEquals(16, c.train().size());
            assertEquals(16, c.info().exampleCount());
            assertEquals(10, c.test().size());
            assertEquals(8, c.info().maxRank());
            assertEquals(c.id().substring(3), c.info().properties().get("domain"));
        }
        // Inverted images are mostly bright (1 − a dark background).
        assertTrue(meanPixel(clients.get(1)) > 0.5, "inverted " + meanPixel(clients.get(1)));
        assertTrue(meanPixel(clients.get(0)) < 0.5, "identity " + meanPixel(clients.get(0)));
        // The split is the seed's.
        assertArrayEquals(firstImage(clients.get(0)), firstImage(scenario.clients(1).get(0)));
        assertFalse(
                Arrays.equals(firstImage(clients.get(0)), firstImage(scenario.clients(2).get(0))));
    }

    @Test
    void shouldRefuseMoreImagesThanFashionMnistHolds(@TempDir Path cache) {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> tiny(cache).withClients(6, 10_000, 10));
        assertTrue(e.getMessage().contains("60000"), e.getMessage());
    }

    private static float[] firstImage(VirtualClient c) {
        return c.train().batch(new int[] {0}).inputs().ravel().toFloatVector();
    }

    private static double meanPixel(VirtualClient c) {
        int[] all = new int[c.train().size()];
        Arrays.setAll(all, i -> i);
        return c.train().batch(all).inputs().meanNumber().doubleValue();
    }
}
