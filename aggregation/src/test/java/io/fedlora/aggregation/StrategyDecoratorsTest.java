package io.fedlora.aggregation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.aggregation.privacy.DpFedAvg;
import io.fedlora.aggregation.robust.CoordinateMedian;
import io.fedlora.aggregation.robust.MultiKrum;
import io.fedlora.aggregation.robust.NormBound;
import io.fedlora.aggregation.robust.TrimmedMean;
import io.fedlora.aggregation.server.ServerOptimizer;
import io.fedlora.aggregation.server.ServerUpdateRule;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StrategyDecoratorsTest {

    private static Strategy create(String name, Map<String, String> options) {
        return Strategies.create(new StrategySpec(name, options));
    }

    @Test
    void robustRulesAndServerOptimizersAreRegistered() {
        assertTrue(
                Strategies.names()
                        .containsAll(
                                java.util.List.of(
                                        "median",
                                        "trimmed-mean",
                                        "multi-krum",
                                        "fedavgm",
                                        "fedadam",
                                        "fedyogi",
                                        "fedadagrad")));
        assertInstanceOf(CoordinateMedian.class, create("median", Map.of()));
        assertInstanceOf(TrimmedMean.class, create("trimmed-mean", Map.of("beta", "0.2")));
        assertInstanceOf(
                MultiKrum.class, create("multi-krum", Map.of("byzantine", "2", "select", "3")));
    }

    @Test
    void serverOptimizersWrapFedItOrTheNamedInnerStrategy() {
        ServerOptimizer adam =
                (ServerOptimizer) create("fedadam", Map.of("server-lr", "0.5", "beta2", "0.9"));
        assertEquals("fedadam", adam.name());
        assertEquals(ServerUpdateRule.FEDADAM, adam.rule());
        assertEquals(0.5, adam.hyperparameters().eta());
        assertEquals(0.9, adam.hyperparameters().beta2());
        assertEquals(0.9, adam.hyperparameters().beta1());
        assertInstanceOf(FedIt.class, adam.inner());
        ServerOptimizer overMedian = (ServerOptimizer) create("fedyogi", Map.of("inner", "median"));
        assertInstanceOf(CoordinateMedian.class, overMedian.inner());
    }

    @Test
    void serverOptimizerOptionsAreCheckedPerRule() {
        assertThrows(
                IllegalArgumentException.class, () -> create("fedavgm", Map.of("beta2", "0.9")));
        assertThrows(
                IllegalArgumentException.class, () -> create("fedadagrad", Map.of("beta2", "0.9")));
        IllegalArgumentException nested =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> create("fedadam", Map.of("inner", "fedyogi")));
        assertTrue(nested.getMessage().contains("itself a server optimizer"));
        IllegalArgumentException unknown =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> create("fedadam", Map.of("inner", "nope")));
        assertTrue(unknown.getMessage().contains("unknown inner strategy nope"));
    }

    @Test
    void normBoundAndDpDecorateAnyStrategyWithDpOutermost() {
        Strategy s = create("fedit", Map.of("norm-bound", "3", "dp-clip", "1", "dp-seed", "5"));
        DpFedAvg dp = assertInstanceOf(DpFedAvg.class, s);
        NormBound bound = assertInstanceOf(NormBound.class, dp.inner());
        assertEquals(3.0, bound.bound());
        assertInstanceOf(FedIt.class, bound.inner());
        assertEquals("fedit", s.name());
        assertEquals(1.0, dp.settings().clip());
        assertEquals(StrategyDecorators.DEFAULT_NOISE_MULTIPLIER, dp.settings().noiseMultiplier());
        assertEquals(StrategyDecorators.DEFAULT_DELTA, dp.settings().delta());
    }

    @Test
    void decoratorsGoInsideAServerOptimizerSoItPostProcessesTheNoisedAverage() {
        Strategy s =
                create(
                        "fedadam",
                        Map.of(
                                "dp-clip", "0.5",
                                "dp-noise-multiplier", "1.2",
                                "dp-delta", "1e-6",
                                "fraction", "0.1"));
        ServerOptimizer adam = assertInstanceOf(ServerOptimizer.class, s);
        DpFedAvg dp = assertInstanceOf(DpFedAvg.class, adam.inner());
        assertEquals(new DpFedAvg.Settings(0.5, 1.2, 1e-6, 0.1), dp.settings());
        assertInstanceOf(FedIt.class, dp.inner());
    }

    @Test
    void dpOptionsWithoutAClipBoundAreAnError() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> create("fedit", Map.of("dp-noise-multiplier", "1")));
        assertTrue(e.getMessage().contains("needs dp-clip"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class, () -> create("median", Map.of("norm-bound", "0")));
        assertThrows(
                IllegalArgumentException.class,
                () -> create("trimmed-mean", Map.of("beta", "0.5")));
    }

    @Test
    void decoratorStateNestsAndRoundTrips() {
        Strategy s = create("fedadam", Map.of("dp-clip", "1", "dp-seed", "1"));
        ServerState state = s.state();
        assertTrue(state.values().containsKey("server.step"));
        assertTrue(state.values().containsKey("inner.dp.rdp"));
        Strategy fresh = create("fedadam", Map.of("dp-clip", "1", "dp-seed", "1"));
        fresh.restore(state);
        assertEquals(state.values(), fresh.state().values());
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> fresh.restore(new ServerState(Map.of(), Map.of("stray", "1"))));
        assertTrue(e.getMessage().contains("stray"), e.getMessage());
    }

    @Test
    void serverOptimizersRefuseTheStrategiesThatRebuildTheAdapterByName() {
        for (String inner : java.util.List.of("flora", "flexlora", "fedex-lora")) {
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> create("fedadam", Map.of("inner", inner)));
            assertTrue(e.getMessage().contains("cannot wrap " + inner), e.getMessage());
        }
    }

    private static java.util.List<FitResult> clientsOf(GlobalModel global, int... ranks) {
        java.util.List<FitResult> results = new java.util.ArrayList<>();
        for (int i = 0; i < ranks.length; i++) {
            results.add(
                    SeededAdapters.result(
                            "c" + i,
                            1,
                            10 + i,
                            SeededAdapters.perturbed(global.clientStart(ranks[i]), 60 + i, 0.1)));
        }
        return results;
    }

    @Test
    void dpRefusesFloraAtItsFirstRoundBecauseTheBaseUpdateWouldCarryClientsUnnoised() {
        Strategy s = create("flora", Map.of("dp-clip", "1", "dp-seed", "1"));
        GlobalModel global =
                s.initialize(
                        SeededAdapters.random(3, org.nd4j.linalg.api.buffer.DataType.DOUBLE, 4));
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                s.aggregateFit(
                                        1, global, clientsOf(global, 4, 4), java.util.List.of()));
        assertTrue(e.getMessage().contains("base update"), e.getMessage());
    }

    @Test
    void aServerOptimizerStepsHetLoraWhoseGlobalKeepsTheLargestRank() {
        Strategy s = create("fedavgm", Map.of("inner", "hetlora", "server-momentum", "0"));
        GlobalModel global =
                s.initialize(
                        SeededAdapters.random(4, org.nd4j.linalg.api.buffer.DataType.DOUBLE, 4));
        java.util.List<FitResult> results = clientsOf(global, 4, 2, 3);
        // FedAvgM with β = 0 and η = 1 is the inner aggregate itself.
        FitOutcome stepped = s.aggregateFit(1, global, results, java.util.List.of());
        FitOutcome plain =
                create("hetlora", Map.of()).aggregateFit(1, global, results, java.util.List.of());
        assertTrue(
                SeededAdapters.maxAbsDiff(
                                SeededAdapters.flat(plain.adapter()),
                                SeededAdapters.flat(stepped.adapter()))
                        < 1e-12);
    }
}
