package io.fedlora.aggregation;

import static io.fedlora.aggregation.Fixtures.toDoubles;
import static io.fedlora.aggregation.PeerFixtures.MODULES;
import static io.fedlora.aggregation.PeerFixtures.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HetLoraTest {

    private static final int R = 8;
    private static final double ALPHA = 16;
    private static final GlobalModel GLOBAL = GlobalModel.initial(Fixtures.adapter(1, R, ALPHA));

    private static HetLora hetLora(double gamma) {
        return new HetLora(ClientSampler.ALL, Weighting.EXAMPLES, FactorCorrection.NONE, gamma);
    }

    /** {@code x} grown to {@code rows × cols} with zeros, by loops. */
    private static double[][] pad(double[][] x, int rows, int cols) {
        double[][] out = new double[rows][cols];
        for (int i = 0; i < x.length; i++) {
            System.arraycopy(x[i], 0, out[i], 0, x[i].length);
        }
        return out;
    }

    @Test
    void shouldZeroPadAndWeighClientsByTheirUpdateNorms() {
        List<Adapter> clients =
                List.of(
                        PeerFixtures.client(10, 2, R, ALPHA),
                        PeerFixtures.client(11, 4, R, ALPHA),
                        PeerFixtures.client(12, 8, R, ALPHA));
        long[] examples = {10, 20, 30};
        double[] p = PeerFixtures.shares(examples);
        FitOutcome out =
                hetLora(0)
                        .aggregateFit(
                                1, GLOBAL, PeerFixtures.results(clients, examples), List.of());
        Adapter next = out.adapter();
        assertEquals(R, next.rank());
        assertEquals(ALPHA, next.alpha());

        for (int k = 0; k < MODULES.length; k++) {
            String m = MODULES[k];
            int out_ = Fixtures.SHAPES[k][0];
            int in = Fixtures.SHAPES[k][1];
            double[] w = new double[clients.size()];
            double total = 0;
            for (int i = 0; i < w.length; i++) {
                Adapter c = clients.get(i);
                w[i] = p[i] * Fixtures.frobenius(PeerFixtures.product(c.scale(), c.module(m)));
                total += w[i];
            }
            for (int i = 0; i < w.length; i++) {
                w[i] /= total;
            }
            double[][] a =
                    Fixtures.sum(
                            clients.stream()
                                    .map(c -> pad(toDoubles(c.module(m).a()), R, in))
                                    .toList(),
                            w);
            double[][] b =
                    Fixtures.sum(
                            clients.stream()
                                    .map(c -> pad(toDoubles(c.module(m).b()), out_, R))
                                    .toList(),
                            w);
            assertTrue(maxAbsDiff(a, toDoubles(next.module(m).a())) < 1e-12, m);
            assertTrue(maxAbsDiff(b, toDoubles(next.module(m).b())) < 1e-12, m);
            // The weights are not p: a test with p-weights would fail here.
            assertTrue(Math.abs(w[0] - p[0]) > 0.01, "norm weights equal p for " + m);
        }
        double[][] head =
                Fixtures.sum(
                        clients.stream()
                                .map(c -> toDoubles(c.modulesToSave().get("head.weight")))
                                .toList(),
                        p);
        assertTrue(maxAbsDiff(head, toDoubles(next.modulesToSave().get("head.weight"))) < 1e-12);

        // A rank-4 client starts from the first 4 components, at the same scale.
        Adapter start4 = GLOBAL.next(out).clientStart(4);
        assertEquals(4, start4.rank());
        assertEquals(next.scale(), start4.scale(), 1e-15);
        double[][] a4 = toDoubles(next.module("m0").a());
        assertArrayEquals(a4[3], toDoubles(start4.module("m0").a())[3], 0.0);
    }

    @Test
    void shouldWeighByExamplesWhereEveryUpdateOfAModuleIsZero() {
        double[][] w =
                HetLora.normWeights(new double[] {0.25, 0.75}, new double[][] {{0, 3}, {0, 1}});
        assertArrayEquals(new double[] {0.25, 0.5}, w[0], 1e-15);
        assertArrayEquals(new double[] {0.75, 0.5}, w[1], 1e-15);
    }

    @Test
    void shouldGiveClientsTheirOwnRanks() {
        List<FitInstruction> instructions =
                hetLora(0)
                        .configureFit(
                                1,
                                GLOBAL,
                                List.of(
                                        new ClientInfo("a", 2, 1),
                                        new ClientInfo("b", 4, 1),
                                        new ClientInfo("c", 16, 1)));
        assertEquals(List.of(2, 4, 8), instructions.stream().map(FitInstruction::rank).toList());
    }

    /** A rank-4 client whose components 2 and 3 are scaled down by {@code tail}. */
    private static Adapter fadingTail(long seed, double tail) {
        Adapter c = PeerFixtures.client(seed, 4, R, ALPHA);
        Map<String, LoraPair> pairs = new LinkedHashMap<>();
        c.modules()
                .forEach(
                        (name, pair) -> {
                            LoraPair faded = new LoraPair(pair.a().dup(), pair.b().dup());
                            faded.b()
                                    .get(
                                            org.nd4j.linalg.indexing.NDArrayIndex.all(),
                                            org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 4))
                                    .muli(tail);
                            pairs.put(name, faded);
                        });
        return new Adapter(pairs, 4, c.alpha(), c.targetModules(), c.modulesToSave());
    }

    @Test
    void shouldMeasureTrailingComponentsFromTheirGramMatrices() {
        LoraPair pair = PeerFixtures.client(30, 4, R, ALPHA).module("m0");
        double[] tails = RankPruning.squaredTails(pair);
        for (int t = 0; t <= 4; t++) {
            int out = Fixtures.SHAPES[0][0];
            int in = Fixtures.SHAPES[0][1];
            double[][] tail = new double[out][in];
            for (int j = t; j < 4; j++) {
                LoraPair component =
                        new LoraPair(
                                pair.a().getRow(j).reshape(1, in),
                                pair.b().getColumn(j).reshape(out, 1));
                tail = PeerFixtures.add(tail, 1, PeerFixtures.product(1, component));
            }
            assertEquals(Math.pow(Fixtures.frobenius(tail), 2), tails[t], 1e-9, "t=" + t);
        }
    }

    @Test
    void shouldSelfPruneTrailingComponentsAndRememberTheLowerRank() {
        Adapter fading = fadingTail(40, 1e-3);
        Adapter strong = PeerFixtures.client(41, 8, R, ALPHA);
        List<FitResult> results = PeerFixtures.results(List.of(fading, strong), 1, 1);
        assertEquals(2, RankPruning.keptRank(fading, 0.05));
        assertEquals(8, RankPruning.keptRank(strong, 0.05));

        HetLora pruning = hetLora(0.05);
        FitOutcome out = pruning.aggregateFit(1, GLOBAL, results, List.of());
        assertEquals(Map.of("c0", 2), pruning.prunedRanks());
        assertEquals(1.0, out.metrics().get("self-pruned"));

        // The pruned client contributes nothing to components 2..7: they come from "strong"
        // alone, at its (normalised) weight.
        Adapter pruned = fading.truncate(2);
        double n0 = Fixtures.frobenius(PeerFixtures.product(pruned.scale(), pruned.module("m0")));
        double n1 = Fixtures.frobenius(PeerFixtures.product(strong.scale(), strong.module("m0")));
        double w1 = n1 / (n0 + n1);
        double[][] a = toDoubles(out.adapter().module("m0").a());
        double[][] strongA = toDoubles(strong.module("m0").a());
        for (int j = 2; j < 4; j++) {
            for (int c = 0; c < Fixtures.SHAPES[0][1]; c++) {
                assertEquals(w1 * strongA[j][c], a[j][c], 1e-12);
            }
        }

        // Later rounds instruct the client at its pruned rank; the state survives a restart.
        List<ClientInfo> clients = List.of(new ClientInfo("c0", 8, 1), new ClientInfo("c1", 8, 1));
        GlobalModel next = GLOBAL.next(out);
        assertEquals(
                List.of(2, 8),
                pruning.configureFit(2, next, clients).stream().map(FitInstruction::rank).toList());
        HetLora restored = hetLora(0.05);
        restored.restore(pruning.state());
        assertEquals(Map.of("c0", 2), restored.prunedRanks());
        assertEquals(
                List.of(2, 8),
                restored.configureFit(2, next, clients).stream()
                        .map(FitInstruction::rank)
                        .toList());
    }

    @Test
    void shouldNotPruneByDefault() {
        HetLora plain = hetLora(0);
        FitOutcome out =
                plain.aggregateFit(
                        1,
                        GLOBAL,
                        PeerFixtures.results(List.of(fadingTail(40, 1e-3)), 1),
                        List.of());
        assertTrue(plain.prunedRanks().isEmpty());
        assertFalse(out.metrics().containsKey("self-pruned"));
        assertTrue(plain.state().isEmpty());
    }

    @Test
    void shouldRejectBadSettingsAndState() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> hetLora(1.5));
        assertEquals("hetlora: prune-gamma must be in [0, 1), got 1.5", e.getMessage());
        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                hetLora(0.1)
                                        .restore(
                                                new ServerState(
                                                        Map.of(),
                                                        Map.of("pruned-rank.c0", "zero"))));
        assertEquals("hetlora state: pruned-rank.c0=zero is not a rank", e.getMessage());
        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                hetLora(0.1)
                                        .restore(new ServerState(Map.of(), Map.of("moment", "1"))));
        assertEquals("hetlora state has an unknown value moment", e.getMessage());
        Adapter tooBig = Fixtures.adapter(50, 16, 32);
        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                hetLora(0)
                                        .aggregateFit(
                                                1,
                                                GLOBAL,
                                                PeerFixtures.results(List.of(tooBig), 1),
                                                List.of()));
        assertEquals("client c0 sent rank 16, above the global rank 8", e.getMessage());
    }
}
