package io.fedlora.aggregation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PeerStrategiesTest {

    @Test
    void shouldKnowEveryPeerByName() {
        assertEquals(
                List.of(
                        "fedadagrad",
                        "fedadam",
                        "fedavgm",
                        "fedex-lora",
                        "fedit",
                        "fedyogi",
                        "ffa-lora",
                        "flexlora",
                        "flora",
                        "hetlora",
                        "lora-fair",
                        "median",
                        "multi-krum",
                        "nested-rank",
                        "trimmed-mean"),
                Strategies.names());
        for (String name : Strategies.names()) {
            assertEquals(name, Strategies.create(StrategySpec.of(name)).name());
        }
    }

    @Test
    void shouldReadEachStrategysOptions() {
        Flora flora =
                (Flora)
                        Strategies.create(
                                new StrategySpec("flora", Map.of("init-seed", "9", "seed", "2")));
        assertEquals(
                new Flora(ClientSampler.ALL, Weighting.EXAMPLES, 9).seedOf(3), flora.seedOf(3));
        assertInstanceOf(
                HetLora.class,
                Strategies.create(
                        new StrategySpec(
                                "hetlora",
                                Map.of(
                                        "prune-gamma",
                                        "0.1",
                                        "correction",
                                        "none",
                                        "fraction",
                                        "0.5"))));
        assertInstanceOf(
                NestedRank.class,
                Strategies.create(
                        new StrategySpec(
                                "nested-rank",
                                Map.of("correction", "NONE", "weighting", "uniform"))));
        assertInstanceOf(
                NestedRank.class,
                Strategies.create(
                        new StrategySpec(
                                "nested-rank",
                                Map.of(
                                        "correction",
                                        "lora-fair",
                                        "mode",
                                        "ridge",
                                        "lambda",
                                        "0.1"))));
    }

    @Test
    void shouldRejectBadOptionsWithOneLine() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                Strategies.create(
                                        new StrategySpec(
                                                "nested-rank", Map.of("correction", "fair"))));
        assertEquals("unknown correction fair; known: none, lora-fair", e.getMessage());
        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                Strategies.create(
                                        new StrategySpec("hetlora", Map.of("prune-gamma", "1"))));
        assertEquals("hetlora: prune-gamma must be in [0, 1), got 1.0", e.getMessage());
        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                Strategies.create(
                                        new StrategySpec(
                                                "ffa-lora", Map.of("correction", "none"))));
        assertEquals(
                "strategy ffa-lora has no option correction (it reads [dp-clip, dp-delta,"
                        + " dp-noise-multiplier, dp-seed, fraction, min-clients, norm-bound, seed,"
                        + " weighting])",
                e.getMessage());
    }
}
