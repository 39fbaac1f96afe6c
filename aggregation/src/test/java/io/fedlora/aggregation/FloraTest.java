package io.fedlora.aggregation;

import static io.fedlora.aggregation.Fixtures.toDoubles;
import static io.fedlora.aggregation.PeerFixtures.MODULES;
import static io.fedlora.aggregation.PeerFixtures.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.indexing.NDArrayIndex;

class FloraTest {

    private static final int R = 4;
    private static final double ALPHA = 8;
    private static final GlobalModel GLOBAL = GlobalModel.initial(Fixtures.adapter(1, R, ALPHA));

    private static final List<Adapter> CLIENTS =
            List.of(
                    PeerFixtures.client(10, 2, R, ALPHA),
                    PeerFixtures.client(11, 4, R, ALPHA),
                    // a client with its own alpha: its scale 3 differs from the global 2
                    Fixtures.adapter(12, 4, 12));
    private static final long[] EXAMPLES = {10, 30, 60};

    private static FitOutcome aggregate(long round, long initSeed) {
        return new Flora(ClientSampler.ALL, Weighting.EXAMPLES, initSeed)
                .aggregateFit(round, GLOBAL, PeerFixtures.results(CLIENTS, EXAMPLES), List.of());
    }

    @Test
    void shouldStackTheWeightedFactorsIntoAnExactBaseUpdate() {
        double[] p = PeerFixtures.shares(EXAMPLES);
        FitOutcome out = aggregate(1, 0);
        BaseUpdate base = out.baseUpdate().orElseThrow();
        assertEquals(GLOBAL.adapter().scale(), base.scale());
        for (String m : MODULES) {
            LoraPair stack = base.modules().get(m);
            assertEquals(2 + 4 + 4, stack.rank());
            // Block i: rows cᵢ·Aᵢ with cᵢ = pᵢ·sᵢ/s, columns Bᵢ.
            int row = 0;
            for (int i = 0; i < CLIENTS.size(); i++) {
                LoraPair client = CLIENTS.get(i).module(m);
                double c = p[i] * CLIENTS.get(i).scale() / GLOBAL.adapter().scale();
                int r = client.rank();
                double[][] rows =
                        toDoubles(
                                stack.a()
                                        .get(
                                                NDArrayIndex.interval(row, row + r),
                                                NDArrayIndex.all()));
                double[][] cols =
                        toDoubles(
                                stack.b()
                                        .get(
                                                NDArrayIndex.all(),
                                                NDArrayIndex.interval(row, row + r)));
                assertTrue(
                        maxAbsDiff(
                                        PeerFixtures.add(
                                                new double[r][rows[0].length],
                                                c,
                                                toDoubles(client.a())),
                                        rows)
                                < 1e-12);
                assertEquals(0, maxAbsDiff(toDoubles(client.b()), cols));
                row += r;
            }
            // Dense check: the base update is the clients' average update.
            double[][] ideal = PeerFixtures.idealUpdate(CLIENTS, p, m);
            assertTrue(maxAbsDiff(ideal, toDoubles(base.deltaW(m))) < 1e-10, m);
        }
        double error =
                AggregationError.max(
                        AggregationError.perModule(
                                PeerFixtures.results(CLIENTS, EXAMPLES), p, out));
        assertTrue(error < 1e-6, "aggregation error " + error);
        assertEquals(10.0, out.metrics().get("base-update.rank"));
        double[][] head =
                Fixtures.sum(
                        CLIENTS.stream()
                                .map(c -> toDoubles(c.modulesToSave().get("head.weight")))
                                .toList(),
                        p);
        assertTrue(
                maxAbsDiff(head, toDoubles(out.adapter().modulesToSave().get("head.weight")))
                        < 1e-12);
    }

    @Test
    void shouldRestartFromAFreshSeededAdapterEveryRound() {
        Adapter next = aggregate(3, 7).adapter();
        assertEquals(R, next.rank());
        assertEquals(ALPHA, next.alpha());
        for (int k = 0; k < MODULES.length; k++) {
            LoraPair pair = next.module(MODULES[k]);
            assertEquals(0.0, pair.b().amaxNumber().doubleValue(), "B starts at zero");
            // PEFT's Kaiming-uniform: entries in ±1/√in, spread over the range.
            double bound = 1 / Math.sqrt(Fixtures.SHAPES[k][1]);
            double[][] a = toDoubles(pair.a());
            double max = 0;
            for (double[] rowValues : a) {
                for (double v : rowValues) {
                    assertTrue(Math.abs(v) <= bound, v + " outside ±" + bound);
                    max = Math.max(max, Math.abs(v));
                }
            }
            assertTrue(max > 0.5 * bound);
            assertTrue(maxAbsDiff(toDoubles(GLOBAL.adapter().module(MODULES[k]).a()), a) > 0.1);
        }
        // Derived from (seed, round): the same again on resume, another one next round.
        assertEquals(
                0,
                maxAbsDiff(
                        toDoubles(next.module("m0").a()),
                        toDoubles(aggregate(3, 7).adapter().module("m0").a())));
        assertFalse(
                maxAbsDiff(
                                toDoubles(next.module("m0").a()),
                                toDoubles(aggregate(4, 7).adapter().module("m0").a()))
                        == 0);
        assertFalse(
                maxAbsDiff(
                                toDoubles(next.module("m0").a()),
                                toDoubles(aggregate(3, 8).adapter().module("m0").a()))
                        == 0);
    }

    @Test
    void shouldTakeHeterogeneousRanks() {
        List<FitInstruction> instructions =
                new Flora(ClientSampler.ALL, Weighting.EXAMPLES, 0)
                        .configureFit(
                                1,
                                GLOBAL,
                                List.of(new ClientInfo("a", 1, 1), new ClientInfo("b", 64, 1)));
        assertEquals(List.of(1, 4), instructions.stream().map(FitInstruction::rank).toList());
    }
}
