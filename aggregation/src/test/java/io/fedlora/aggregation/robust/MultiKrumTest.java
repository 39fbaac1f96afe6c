package io.fedlora.aggregation.robust;

import static io.fedlora.aggregation.SeededAdapters.flat;
import static io.fedlora.aggregation.SeededAdapters.maxAbsDiff;
import static io.fedlora.aggregation.SeededAdapters.perturbed;
import static io.fedlora.aggregation.SeededAdapters.result;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.aggregation.ClientSampler;
import io.fedlora.aggregation.FitOutcome;
import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.aggregation.SeededAdapters;
import io.fedlora.aggregation.UpdateHandle;
import io.fedlora.aggregation.Weighting;
import io.fedlora.lora.Adapter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class MultiKrumTest {

    private static final Adapter GLOBAL = SeededAdapters.random(11, DataType.DOUBLE, 3);

    /** Seven honest clients near the global adapter, then two attackers far away. */
    private static List<FitResult> honestThenAttackers() {
        List<FitResult> results = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            results.add(result("h" + i, 1, 10 + 5L * i, perturbed(GLOBAL, 300 + i, 0.1)));
        }
        results.add(result("x0", 1, 1000, perturbed(GLOBAL, 401, 1e3)));
        results.add(result("x1", 1, 1000, perturbed(GLOBAL, 402, 1e3)));
        return results;
    }

    @Test
    void scoresAreSumsOfTheNearestSquaredDistancesByLoops() {
        List<FitResult> results = honestThenAttackers();
        int n = results.size();
        int f = 2;
        List<double[]> flats = results.stream().map(r -> flat(r.adapter())).toList();
        double[][] d =
                PairwiseDistances.squared(GLOBAL, results.stream().map(FitResult::update).toList());
        double[] scores = MultiKrum.scores(d, f);
        for (int i = 0; i < n; i++) {
            double[] others = new double[n - 1];
            int k = 0;
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    double dist = SeededAdapters.distance(flats.get(i), flats.get(j));
                    assertEquals(dist * dist, d[i][j], 1e-9 * Math.max(1, dist * dist));
                    others[k++] = dist * dist;
                }
            }
            Arrays.sort(others);
            double expected = others[0] + others[1] + others[2] + others[3] + others[4];
            assertEquals(n - f - 2, 5);
            assertEquals(expected, scores[i], 1e-9 * expected, "client " + i);
        }
    }

    @Test
    void multiKrumAveragesExactlyTheHonestClientsWithTheirWeights() {
        List<FitResult> results = honestThenAttackers();
        FitOutcome outcome =
                new MultiKrum(ClientSampler.ALL, Weighting.EXAMPLES, 2, 0)
                        .aggregateFit(1, GlobalModel.initial(GLOBAL), results, List.of());
        double total = 0;
        for (int i = 0; i < 7; i++) {
            total += results.get(i).exampleCount();
        }
        double[] expected = new double[flat(GLOBAL).length];
        for (int i = 0; i < 7; i++) {
            double[] x = flat(results.get(i).adapter());
            double p = results.get(i).exampleCount() / total;
            for (int j = 0; j < x.length; j++) {
                expected[j] += p * x[j];
            }
        }
        assertTrue(maxAbsDiff(expected, flat(outcome.adapter())) < 1e-12);
        assertEquals(7.0, outcome.metrics().get("krum.selected"));
        assertEquals(2.0, outcome.metrics().get("krum.rejected"));
    }

    @Test
    void krumWithOneSelectedReturnsOneHonestClient() {
        List<FitResult> results = honestThenAttackers();
        double[] chosen =
                flat(
                        new MultiKrum(ClientSampler.ALL, Weighting.EXAMPLES, 2, 1)
                                .aggregateFit(1, GlobalModel.initial(GLOBAL), results, List.of())
                                .adapter());
        boolean honest = false;
        for (int i = 0; i < 7; i++) {
            honest |= maxAbsDiff(chosen, flat(results.get(i).adapter())) == 0;
        }
        assertTrue(honest, "Krum returned an attacker or a mixture");
    }

    @Test
    void identicalClientsGiveThemBack() {
        Adapter same = SeededAdapters.random(12, DataType.FLOAT, 2);
        List<FitResult> results = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            results.add(result("c" + i, 1, 3 + i, same));
        }
        double[] actual =
                flat(
                        new MultiKrum(ClientSampler.ALL, Weighting.EXAMPLES, 1, 0)
                                .aggregateFit(1, GlobalModel.initial(same), results, List.of())
                                .adapter());
        double[] expected = flat(same);
        for (int j = 0; j < expected.length; j++) {
            assertEquals(expected[j], actual[j], 1e-6 * Math.max(1, Math.abs(expected[j])));
        }
    }

    @Test
    void distancesReadOneModuleAtATime() {
        List<FitResult> results = honestThenAttackers();
        List<CountingHandle> handles =
                results.stream().map(r -> new CountingHandle(r.adapter())).toList();
        double[][] d = PairwiseDistances.squared(GLOBAL, List.<UpdateHandle>copyOf(handles));
        assertEquals(results.size(), d.length);
        for (CountingHandle h : handles) {
            assertEquals(0, h.loads);
            assertEquals(GLOBAL.modules().size(), h.modules);
            assertEquals(GLOBAL.modulesToSave().size(), h.saved);
        }
        for (int i = 0; i < d.length; i++) {
            assertEquals(0.0, d[i][i]);
            for (int j = 0; j < d.length; j++) {
                assertEquals(d[i][j], d[j][i], 0.0);
            }
        }
    }

    @Test
    void tooFewClientsForTheByzantineCountIsAnError() {
        List<FitResult> results = honestThenAttackers().subList(0, 6);
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                new MultiKrum(ClientSampler.ALL, Weighting.EXAMPLES, 2, 0)
                                        .aggregateFit(
                                                1,
                                                GlobalModel.initial(GLOBAL),
                                                results,
                                                List.of()));
        assertTrue(e.getMessage().contains("2f + 3 = 7"), e.getMessage());
    }

    @Test
    void selectingMoreThanThereAreIsAnError() {
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new MultiKrum(ClientSampler.ALL, Weighting.EXAMPLES, 1, 20)
                                .aggregateFit(
                                        1,
                                        GlobalModel.initial(GLOBAL),
                                        honestThenAttackers(),
                                        List.of()));
    }

    @Test
    void lowestScoresAreChosenWithTiesToTheEarlierClient() {
        assertArrayEquals(
                new int[] {0, 2, 3}, MultiKrum.selectLowest(new double[] {1, 5, 1, 2, 5}, 3));
    }
}
