package io.fedlora.aggregation.server;

import static io.fedlora.aggregation.SeededAdapters.flat;
import static io.fedlora.aggregation.SeededAdapters.maxAbsDiff;
import static io.fedlora.aggregation.SeededAdapters.perturbed;
import static io.fedlora.aggregation.SeededAdapters.result;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.aggregation.AdapterTensors;
import io.fedlora.aggregation.BaseUpdate;
import io.fedlora.aggregation.ClientSampler;
import io.fedlora.aggregation.FedIt;
import io.fedlora.aggregation.FitOutcome;
import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.aggregation.ScriptedStrategy;
import io.fedlora.aggregation.SeededAdapters;
import io.fedlora.aggregation.ServerState;
import io.fedlora.aggregation.Weighting;
import io.fedlora.lora.Adapter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class ServerOptimizerTest {

    private static final Adapter X0 = SeededAdapters.random(1, DataType.DOUBLE, 3);

    /** Two clients per round, 30 and 10 examples, around the initial adapter. */
    private static List<FitResult> clients(long round) {
        return List.of(
                result("a", round, 30, perturbed(X0, 100 + round, 0.3)),
                result("b", round, 10, perturbed(X0, 200 + round, 0.3)));
    }

    private static double[] fedAvg(List<FitResult> results) {
        double[] a = flat(results.get(0).adapter());
        double[] b = flat(results.get(1).adapter());
        double[] avg = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            avg[i] = 0.75 * a[i] + 0.25 * b[i];
        }
        return avg;
    }

    /** The paper's update written out with loops; returns how often Yogi's sign was +1. */
    private static int handStep(
            ServerUpdateRule rule,
            ServerHyperparameters h,
            double[] x,
            double[] m,
            double[] v,
            double[] target) {
        int positiveSigns = 0;
        for (int i = 0; i < x.length; i++) {
            double d = target[i] - x[i];
            if (rule == ServerUpdateRule.FEDAVGM) {
                m[i] = h.beta1() * m[i] + d;
                x[i] += h.eta() * m[i];
                continue;
            }
            m[i] = h.beta1() * m[i] + (1 - h.beta1()) * d;
            switch (rule) {
                case FEDADAM -> v[i] = h.beta2() * v[i] + (1 - h.beta2()) * d * d;
                case FEDYOGI -> {
                    double s = Math.signum(v[i] - d * d);
                    positiveSigns += s > 0 ? 1 : 0;
                    v[i] = v[i] - (1 - h.beta2()) * d * d * s;
                }
                case FEDADAGRAD -> v[i] = v[i] + d * d;
                default -> throw new AssertionError(rule);
            }
            x[i] += h.eta() * m[i] / (Math.sqrt(v[i]) + h.tau());
        }
        return positiveSigns;
    }

    @ParameterizedTest
    @EnumSource(ServerUpdateRule.class)
    void twoRoundsFollowThePapersFormulas(ServerUpdateRule rule) {
        ServerHyperparameters h = rule.defaults();
        ServerOptimizer optimizer =
                new ServerOptimizer(rule, new FedIt(ClientSampler.ALL, Weighting.EXAMPLES));
        GlobalModel global = optimizer.initialize(X0);

        double[] x = flat(X0);
        double[] m = new double[x.length];
        double[] v = new double[x.length];
        java.util.Arrays.fill(v, h.tau() * h.tau());
        int positiveSigns = 0;
        for (long round = 1; round <= 2; round++) {
            List<FitResult> results = clients(round);
            FitOutcome outcome = optimizer.aggregateFit(round, global, results, List.of());
            positiveSigns += handStep(rule, h, x, m, v, fedAvg(results));
            assertTrue(
                    maxAbsDiff(flat(outcome.adapter()), x) < 1e-12,
                    rule + " round " + round + " differs from the hand-computed step");
            assertEquals(round, outcome.metrics().get("server.step"));
            assertEquals(2.0, outcome.metrics().get("clients"));
            global = global.next(outcome);
        }
        if (rule == ServerUpdateRule.FEDYOGI) {
            // Round 2 must exercise both branches of Yogi's sign, or the test proves little.
            assertTrue(positiveSigns > 0 && positiveSigns < x.length, "signs: " + positiveSigns);
        }
    }

    @Test
    void floatAdaptersAreSteppedInFloat() {
        Adapter x0 = SeededAdapters.random(2, DataType.FLOAT, 3);
        List<FitResult> results =
                List.of(
                        result("a", 1, 30, perturbed(x0, 101, 0.3)),
                        result("b", 1, 10, perturbed(x0, 201, 0.3)));
        ServerUpdateRule rule = ServerUpdateRule.FEDADAM;
        FitOutcome outcome =
                new ServerOptimizer(rule, new FedIt(ClientSampler.ALL, Weighting.EXAMPLES))
                        .aggregateFit(1, GlobalModel.initial(x0), results, List.of());
        double[] x = flat(x0);
        double[] m = new double[x.length];
        double[] v = new double[x.length];
        java.util.Arrays.fill(v, 1e-6);
        handStep(rule, rule.defaults(), x, m, v, fedAvg(results));
        assertTrue(maxAbsDiff(flat(outcome.adapter()), x) < 1e-5);
        assertEquals(DataType.FLOAT, outcome.adapter().module("m0").a().dataType());
    }

    @Test
    void fedAvgMWithoutMomentumAndUnitRateIsTheInnerAggregate() {
        ServerOptimizer optimizer =
                new ServerOptimizer(
                        ServerUpdateRule.FEDAVGM,
                        new ServerHyperparameters(1.0, 0.0, 0, 0),
                        new FedIt(ClientSampler.ALL, Weighting.EXAMPLES));
        List<FitResult> results = clients(1);
        FitOutcome outcome = optimizer.aggregateFit(1, GlobalModel.initial(X0), results, List.of());
        assertTrue(maxAbsDiff(flat(outcome.adapter()), fedAvg(results)) < 1e-13);
    }

    @ParameterizedTest
    @EnumSource(ServerUpdateRule.class)
    void restoredStateGivesBitIdenticalNextRounds(ServerUpdateRule rule) {
        ServerOptimizer original =
                new ServerOptimizer(rule, new FedIt(ClientSampler.ALL, Weighting.EXAMPLES));
        GlobalModel g0 = original.initialize(X0);
        GlobalModel g1 = g0.next(original.aggregateFit(1, g0, clients(1), List.of()));
        ServerState afterRound1 = original.state();
        FitOutcome round2 = original.aggregateFit(2, g1, clients(2), List.of());
        GlobalModel g2 = g1.next(round2);
        FitOutcome round3 = original.aggregateFit(3, g2, clients(3), List.of());

        // The checkpoint was taken before rounds 2 and 3 moved the moments in place.
        ServerOptimizer resumed =
                new ServerOptimizer(rule, new FedIt(ClientSampler.ALL, Weighting.EXAMPLES));
        resumed.restore(afterRound1);
        FitOutcome resumed2 = resumed.aggregateFit(2, g1, clients(2), List.of());
        FitOutcome resumed3 = resumed.aggregateFit(3, g1.next(resumed2), clients(3), List.of());
        assertBitIdentical(round2.adapter(), resumed2.adapter());
        assertBitIdentical(round3.adapter(), resumed3.adapter());
        assertEquals(original.state().values(), resumed.state().values());
        assertEquals(round3.metrics(), resumed3.metrics());
    }

    static void assertBitIdentical(Adapter expected, Adapter actual) {
        Map<String, INDArray> e = AdapterTensors.of(expected);
        Map<String, INDArray> a = AdapterTensors.of(actual);
        assertEquals(e.keySet(), a.keySet());
        e.forEach(
                (key, t) ->
                        assertArrayEquals(
                                t.dup('c').data().asDouble(),
                                a.get(key).dup('c').data().asDouble(),
                                0.0,
                                key));
    }

    @Test
    void stateKeysNameMomentsAndStep() {
        ServerOptimizer optimizer =
                new ServerOptimizer(
                        ServerUpdateRule.FEDADAM, new FedIt(ClientSampler.ALL, Weighting.EXAMPLES));
        optimizer.aggregateFit(1, GlobalModel.initial(X0), clients(1), List.of());
        ServerState state = optimizer.state();
        assertEquals("1", state.value("server.step"));
        assertTrue(state.tensors().containsKey("server.m.A:m0"));
        assertTrue(state.tensors().containsKey("server.v.S:head.bias"));
        assertEquals(2 * AdapterTensors.of(X0).size(), state.tensors().size());
    }

    @Test
    void stateOfAnotherLayoutIsRefusedAtTheNextRound() {
        ServerOptimizer optimizer =
                new ServerOptimizer(
                        ServerUpdateRule.FEDYOGI, new FedIt(ClientSampler.ALL, Weighting.EXAMPLES));
        optimizer.aggregateFit(1, GlobalModel.initial(X0), clients(1), List.of());
        ServerState state = optimizer.state();
        Adapter other = SeededAdapters.random(5, DataType.DOUBLE, 4);
        ServerOptimizer resumed =
                new ServerOptimizer(
                        ServerUpdateRule.FEDYOGI, new FedIt(ClientSampler.ALL, Weighting.EXAMPLES));
        resumed.restore(state);
        List<FitResult> results = List.of(result("a", 2, 1, perturbed(other, 9, 0.1)));
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                resumed.aggregateFit(
                                        2, GlobalModel.initial(other), results, List.of()));
        assertTrue(e.getMessage().contains("server optimizer state"), e.getMessage());
    }

    @Test
    void refusesInnerStrategiesThatRebuildTheAdapter() {
        for (String name : List.of("flora", "flexlora", "fedex-lora")) {
            ScriptedStrategy inner =
                    new ScriptedStrategy(name, (g, r) -> new FitOutcome(g.adapter(), Map.of()));
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> new ServerOptimizer(ServerUpdateRule.FEDADAM, inner));
            assertTrue(e.getMessage().contains("cannot wrap " + name), e.getMessage());
        }
    }

    @Test
    void refusesAnOutcomeWithABaseUpdateAtTheFirstRound() {
        ScriptedStrategy merging =
                new ScriptedStrategy(
                        "merging",
                        (g, r) ->
                                new FitOutcome(
                                        g.adapter(),
                                        Optional.of(new BaseUpdate(g.adapter().modules(), 1.0)),
                                        Map.of()));
        ServerOptimizer optimizer = new ServerOptimizer(ServerUpdateRule.FEDAVGM, merging);
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                optimizer.aggregateFit(
                                        1, GlobalModel.initial(X0), clients(1), List.of()));
        assertTrue(e.getMessage().contains("base update"), e.getMessage());
    }

    @Test
    void refusesAnOutcomeOfAnotherRank() {
        ScriptedStrategy shrinking =
                new ScriptedStrategy(
                        "shrinking", (g, r) -> new FitOutcome(g.adapter().truncate(2), Map.of()));
        ServerOptimizer optimizer = new ServerOptimizer(ServerUpdateRule.FEDADAGRAD, shrinking);
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                optimizer.aggregateFit(
                                        1, GlobalModel.initial(X0), clients(1), List.of()));
        assertTrue(e.getMessage().contains("layout"), e.getMessage());
        assertTrue(e.getMessage().contains("rank"), e.getMessage());
    }

    @Test
    void rejectsHyperparametersOutOfRange() {
        FedIt fedit = new FedIt(ClientSampler.ALL, Weighting.EXAMPLES);
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new ServerOptimizer(
                                ServerUpdateRule.FEDADAM,
                                ServerUpdateRule.FEDADAM.defaults().withBeta2(1.0),
                                fedit));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new ServerOptimizer(
                                ServerUpdateRule.FEDYOGI,
                                ServerUpdateRule.FEDYOGI.defaults().withTau(0),
                                fedit));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new ServerOptimizer(
                                ServerUpdateRule.FEDAVGM,
                                ServerUpdateRule.FEDAVGM.defaults().withEta(-1),
                                fedit));
    }
}
