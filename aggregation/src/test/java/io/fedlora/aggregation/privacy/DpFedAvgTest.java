package io.fedlora.aggregation.privacy;

import static io.fedlora.aggregation.SeededAdapters.flat;
import static io.fedlora.aggregation.SeededAdapters.fromFlat;
import static io.fedlora.aggregation.SeededAdapters.maxAbsDiff;
import static io.fedlora.aggregation.SeededAdapters.result;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.aggregation.BaseUpdate;
import io.fedlora.aggregation.ClientInfo;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class DpFedAvgTest {

    private static final Adapter GLOBAL = SeededAdapters.random(31, DataType.DOUBLE, 3);
    private static final double DELTA = 1e-5;

    private static DpFedAvg dp(double clip, double z, double q, long seed) {
        return new DpFedAvg(
                new FedIt(ClientSampler.ALL, Weighting.EXAMPLES),
                new DpFedAvg.Settings(clip, z, DELTA, q),
                NoiseSource.seeded(seed));
    }

    private static double[] direction(int length, long seed, double norm) {
        Random rnd = new Random(seed);
        double[] d = new double[length];
        double sum = 0;
        for (int i = 0; i < length; i++) {
            d[i] = rnd.nextGaussian();
            sum += d[i] * d[i];
        }
        for (int i = 0; i < length; i++) {
            d[i] *= norm / Math.sqrt(sum);
        }
        return d;
    }

    /** Clients whose updates have the given norms and (unequal) example counts. */
    private static List<FitResult> clients(long round, double... norms) {
        double[] g = flat(GLOBAL);
        List<FitResult> results = new ArrayList<>();
        for (int i = 0; i < norms.length; i++) {
            double[] d = direction(g.length, 10 * round + i, norms[i]);
            double[] x = g.clone();
            for (int j = 0; j < x.length; j++) {
                x[j] += d[j];
            }
            results.add(result("c" + i, round, 7L * (i + 1), fromFlat(GLOBAL, x)));
        }
        return results;
    }

    @Test
    void withoutNoiseTheAggregateIsTheUniformMeanOfClippedUpdates() {
        double clip = 1.0;
        List<FitResult> results = clients(1, 5.0, 0.5, 3.0, 1.0);
        FitOutcome outcome =
                dp(clip, 0, 1, 1).aggregateFit(1, GlobalModel.initial(GLOBAL), results, List.of());
        double[] g = flat(GLOBAL);
        double[] expected = g.clone();
        for (FitResult r : results) {
            double[] x = flat(r.adapter());
            double norm = SeededAdapters.distance(x, g);
            double factor = Math.min(1, clip / norm);
            for (int j = 0; j < g.length; j++) {
                expected[j] += factor * (x[j] - g[j]) / results.size();
            }
        }
        assertTrue(maxAbsDiff(expected, flat(outcome.adapter())) < 1e-13);
        assertEquals(2.0, outcome.metrics().get("dp.clipped"));
        assertEquals(0.0, outcome.metrics().get("dp.noise-std"));
        assertEquals(Double.POSITIVE_INFINITY, outcome.metrics().get("dp.epsilon"));
    }

    @Test
    void oneClientMovesTheAggregateByAtMostTwiceClipOverM() {
        double clip = 0.7;
        List<FitResult> results = clients(1, 0.3, 2.0, 0.9, 4.0, 1.5);
        List<FitResult> replaced = new ArrayList<>(results);
        replaced.set(2, clients(9, 1e6, 1e6, 1e6).get(1));
        GlobalModel global = GlobalModel.initial(GLOBAL);
        double[] a = flat(dp(clip, 0, 1, 1).aggregateFit(1, global, results, List.of()).adapter());
        double[] b = flat(dp(clip, 0, 1, 1).aggregateFit(1, global, replaced, List.of()).adapter());
        double moved = SeededAdapters.distance(a, b);
        assertTrue(moved <= 2 * clip / 5 + 1e-12, "moved " + moved);
        assertTrue(moved > clip / 5, "the replaced client should matter: " + moved);
    }

    @Test
    void noiseHasStandardDeviationZTimesClipOverM() {
        Adapter big = SeededAdapters.random(32, DataType.DOUBLE, 64, new int[][] {{400, 400}});
        double clip = 2.0;
        double z = 1.5;
        int m = 4;
        List<FitResult> results = new ArrayList<>();
        for (int i = 0; i < m; i++) {
            results.add(result("c" + i, 1, 1, big)); // zero updates: what comes back is noise
        }
        FitOutcome outcome =
                dp(clip, z, 1, 77).aggregateFit(1, GlobalModel.initial(big), results, List.of());
        double[] noise = flat(outcome.adapter());
        double[] g = flat(big);
        int n = noise.length;
        double sum = 0;
        double squares = 0;
        for (int j = 0; j < n; j++) {
            double e = noise[j] - g[j];
            sum += e;
            squares += e * e;
        }
        double mean = sum / n;
        double std = Math.sqrt(squares / n - mean * mean);
        double sigma = z * clip / m;
        assertEquals(sigma, outcome.metrics().get("dp.noise-std"), 1e-15);
        // The sample std of n ≈ 51k normals is within 2% (6 standard errors) of σ.
        assertEquals(sigma, std, 0.02 * sigma, "n = " + n);
        assertEquals(0.0, mean, 5 * sigma / Math.sqrt(n));
    }

    @Test
    void epsilonInTheMetricsIsTheAccountantsAndGrowsEveryRound() {
        DpFedAvg strategy = dp(1.0, 1.1, 0.5, 3);
        GlobalModel global = GlobalModel.initial(GLOBAL);
        RdpAccountant reference = new RdpAccountant();
        double previous = 0;
        for (long round = 1; round <= 3; round++) {
            FitOutcome outcome =
                    strategy.aggregateFit(round, global, clients(round, 2, 0.2, 1), List.of());
            reference.compose(0.5, 1.1, 1);
            double epsilon = outcome.metrics().get("dp.epsilon");
            assertEquals(reference.epsilon(DELTA), epsilon, 0.0);
            assertTrue(epsilon > previous);
            previous = epsilon;
            global = global.next(outcome);
        }
        assertEquals(previous, strategy.epsilon(), 0.0);
    }

    @Test
    void theAccountantChargesTheRateARoundReallySampled() {
        DpFedAvg strategy =
                new DpFedAvg(
                        new FedIt(new ClientSampler(0.25, 1, 0), Weighting.EXAMPLES),
                        new DpFedAvg.Settings(1.0, 1.0, DELTA, 0.25),
                        NoiseSource.seeded(1));
        List<ClientInfo> available = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            available.add(new ClientInfo("c" + i, 3, 10));
        }
        GlobalModel global = GlobalModel.initial(GLOBAL);
        assertEquals(3, strategy.configureFit(1, global, available).size()); // ⌈2.5⌉
        FitOutcome outcome = strategy.aggregateFit(1, global, clients(1, 1, 2, 3), List.of());
        assertEquals(0.3, outcome.metrics().get("dp.sampling-rate"), 1e-15);
    }

    @Test
    void seededNoiseIsReproducibleAndRestoredStateGivesBitIdenticalRounds() {
        GlobalModel g0 = GlobalModel.initial(GLOBAL);
        DpFedAvg original = dp(1.0, 0.9, 0.2, 42);
        GlobalModel g1 = g0.next(original.aggregateFit(1, g0, clients(1, 3, 1), List.of()));
        ServerState checkpoint = original.state();
        FitOutcome round2 = original.aggregateFit(2, g1, clients(2, 3, 1), List.of());

        DpFedAvg resumed = dp(1.0, 0.9, 0.2, 42);
        resumed.restore(checkpoint);
        FitOutcome resumed2 = resumed.aggregateFit(2, g1, clients(2, 3, 1), List.of());
        assertArrayEquals(flat(round2.adapter()), flat(resumed2.adapter()), 0.0);
        assertEquals(round2.metrics(), resumed2.metrics());
        assertEquals(original.state().values(), resumed.state().values());

        FitOutcome otherSeed =
                dp(1.0, 0.9, 0.2, 43).aggregateFit(2, g1, clients(2, 3, 1), List.of());
        assertTrue(maxAbsDiff(flat(round2.adapter()), flat(otherSeed.adapter())) > 0);
    }

    @Test
    void refusesAnInnerStrategyThatChangesTheBase() {
        ScriptedStrategy merging =
                new ScriptedStrategy(
                        "merging",
                        (g, r) ->
                                new FitOutcome(
                                        g.adapter(),
                                        Optional.of(new BaseUpdate(g.adapter().modules(), 1)),
                                        Map.of()));
        DpFedAvg strategy =
                new DpFedAvg(merging, new DpFedAvg.Settings(1, 1, DELTA, 1), NoiseSource.seeded(0));
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                strategy.aggregateFit(
                                        1, GlobalModel.initial(GLOBAL), clients(1, 1), List.of()));
        assertTrue(e.getMessage().contains("base update"), e.getMessage());
    }

    @Test
    void resumingWithoutTheAccountantIsRefused() {
        DpFedAvg strategy = dp(1, 1, 1, 0);
        assertThrows(IllegalArgumentException.class, () -> strategy.restore(ServerState.EMPTY));
    }

    @Test
    void settingsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new DpFedAvg.Settings(0, 1, DELTA, 1));
        assertThrows(IllegalArgumentException.class, () -> new DpFedAvg.Settings(1, -1, DELTA, 1));
        assertThrows(IllegalArgumentException.class, () -> new DpFedAvg.Settings(1, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new DpFedAvg.Settings(1, 1, DELTA, 0));
    }
}
