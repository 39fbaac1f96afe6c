package io.fedlora.aggregation;

import static io.fedlora.aggregation.Fixtures.toDoubles;
import static io.fedlora.aggregation.PeerFixtures.MODULES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fedlora.lora.Adapter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NestedRankTest {

    private static final int R = 8;
    private static final double ALPHA = 16;
    private static final GlobalModel GLOBAL = GlobalModel.initial(Fixtures.adapter(1, R, ALPHA));

    private static FitOutcome aggregate(List<Adapter> clients, long... examples) {
        return new NestedRank(ClientSampler.ALL, Weighting.EXAMPLES, FactorCorrection.NONE)
                .aggregateFit(1, GLOBAL, PeerFixtures.results(clients, examples), List.of());
    }

    /**
     * Component j of module m, averaged by loops over the clients of rank > j with their weights
     * renormalised: row j of A and column j of B.
     */
    private static double[][] expectedComponent(
            List<Adapter> clients, double[] p, String m, int j) {
        double held = 0;
        for (int i = 0; i < clients.size(); i++) {
            held += clients.get(i).rank() > j ? p[i] : 0;
        }
        double[][] ab = null;
        for (int i = 0; i < clients.size(); i++) {
            Adapter c = clients.get(i);
            if (c.rank() <= j) {
                continue;
            }
            double[] aRow = toDoubles(c.module(m).a())[j];
            double[][] b = toDoubles(c.module(m).b());
            if (ab == null) {
                ab = new double[][] {new double[aRow.length], new double[b.length]};
            }
            for (int k = 0; k < aRow.length; k++) {
                ab[0][k] += p[i] / held * aRow[k];
            }
            for (int k = 0; k < b.length; k++) {
                ab[1][k] += p[i] / held * b[k][j];
            }
        }
        return ab;
    }

    private static void assertComponent(double[][] expected, Adapter next, String m, int j) {
        double[][] a = toDoubles(next.module(m).a());
        double[][] b = toDoubles(next.module(m).b());
        for (int k = 0; k < expected[0].length; k++) {
            assertEquals(expected[0][k], a[j][k], 1e-12, m + " A row " + j);
        }
        for (int k = 0; k < expected[1].length; k++) {
            assertEquals(expected[1][k], b[k][j], 1e-12, m + " B column " + j);
        }
    }

    @Test
    void shouldAverageEachComponentOverTheClientsThatHoldIt() {
        List<Adapter> clients =
                List.of(
                        PeerFixtures.client(10, 2, R, ALPHA),
                        PeerFixtures.client(11, 4, R, ALPHA),
                        PeerFixtures.client(12, 8, R, ALPHA));
        long[] examples = {10, 30, 60};
        double[] p = PeerFixtures.shares(examples);
        FitOutcome out = aggregate(clients, examples);
        Adapter next = out.adapter();
        assertEquals(R, next.rank());
        assertEquals(ALPHA, next.alpha());
        for (String m : MODULES) {
            for (int j = 0; j < R; j++) {
                assertComponent(expectedComponent(clients, p, m, j), next, m, j);
            }
            // Components 4..7 belong to the rank-8 client alone: they are its own.
            double[][] own = toDoubles(clients.get(2).module(m).a());
            double[][] agg = toDoubles(next.module(m).a());
            for (int j = 4; j < R; j++) {
                for (int k = 0; k < own[j].length; k++) {
                    assertEquals(own[j][k], agg[j][k], 1e-12);
                }
            }
            // Component 2 is shared by clients 1 and 2 only, weights 30/90 and 60/90.
            double[][] a1 = toDoubles(clients.get(1).module(m).a());
            assertEquals((30 * a1[2][0] + 60 * own[2][0]) / 90, agg[2][0], 1e-12, "renormalised");
        }
        double[][] head =
                Fixtures.sum(
                        clients.stream()
                                .map(c -> toDoubles(c.modulesToSave().get("head.weight")))
                                .toList(),
                        p);
        assertEquals(
                0,
                PeerFixtures.maxAbsDiff(head, toDoubles(next.modulesToSave().get("head.weight"))),
                1e-12);
        assertEquals(0.0, out.metrics().get("components.unheld"));
    }

    @Test
    void shouldKeepTheGlobalComponentsNoClientHeld() {
        List<Adapter> clients =
                List.of(PeerFixtures.client(20, 2, R, ALPHA), PeerFixtures.client(21, 4, R, ALPHA));
        FitOutcome out = aggregate(clients, 1, 3);
        assertEquals(4.0, out.metrics().get("components.unheld"));
        for (String m : MODULES) {
            double[][] globalA = toDoubles(GLOBAL.adapter().module(m).a());
            double[][] globalB = toDoubles(GLOBAL.adapter().module(m).b());
            double[][] a = toDoubles(out.adapter().module(m).a());
            double[][] b = toDoubles(out.adapter().module(m).b());
            for (int j = 4; j < R; j++) {
                assertEquals(
                        0,
                        PeerFixtures.maxAbsDiff(
                                new double[][] {globalA[j]}, new double[][] {a[j]}));
                for (int k = 0; k < b.length; k++) {
                    assertEquals(globalB[k][j], b[k][j], 0.0);
                }
            }
            assertComponent(
                    expectedComponent(clients, PeerFixtures.shares(1, 3), m, 3),
                    out.adapter(),
                    m,
                    3);
        }
    }

    @Test
    void shouldTellEachClientToTrainNestedRanksUpToItsOwn() {
        List<FitInstruction> instructions =
                new NestedRank(ClientSampler.ALL, Weighting.EXAMPLES, FactorCorrection.NONE)
                        .configureFit(
                                1,
                                GLOBAL,
                                List.of(new ClientInfo("a", 2, 1), new ClientInfo("b", 16, 1)));
        assertEquals(2, instructions.get(0).rank());
        assertEquals(Map.of(TrainOptions.NESTED_RANK_MAX, "2"), instructions.get(0).options());
        assertEquals(8, instructions.get(1).rank());
        assertEquals(Map.of(TrainOptions.NESTED_RANK_MAX, "8"), instructions.get(1).options());
    }

    @Test
    void shouldRejectAClientAboveTheGlobalRank() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> aggregate(List.of(Fixtures.adapter(3, 16, 32)), 1));
        assertEquals("client c0 sent rank 16, above the global rank 8", e.getMessage());
    }
}
