package io.fedlora.aggregation;

import static io.fedlora.aggregation.Fixtures.toDoubles;
import static io.fedlora.aggregation.PeerFixtures.MODULES;
import static io.fedlora.aggregation.PeerFixtures.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import io.fedlora.lora.TruncatedSvd;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class FlexLoraTest {

    private static final int R = 4;
    private static final double ALPHA = 8;
    private static final GlobalModel GLOBAL = GlobalModel.initial(Fixtures.adapter(1, R, ALPHA));

    private static FitOutcome aggregate(List<Adapter> clients, long... examples) {
        return new FlexLora(ClientSampler.ALL, Weighting.EXAMPLES)
                .aggregateFit(1, GLOBAL, PeerFixtures.results(clients, examples), List.of());
    }

    @Test
    void shouldEqualTheDenseTruncatedSvdOfTheWeightedSum() {
        // Ranks 2 + 4 + 4 = 10 > 4: the sum must be truncated.
        List<Adapter> clients =
                List.of(
                        PeerFixtures.client(10, 2, R, ALPHA),
                        PeerFixtures.client(11, 4, R, ALPHA),
                        PeerFixtures.client(12, 4, R, ALPHA));
        long[] examples = {10, 30, 60};
        double[] p = PeerFixtures.shares(examples);
        FitOutcome out = aggregate(clients, examples);
        Adapter next = out.adapter();
        assertEquals(R, next.rank());
        assertEquals(ALPHA, next.alpha());

        for (String m : MODULES) {
            double[][] w = PeerFixtures.idealUpdate(clients, p, m);
            TruncatedSvd dense = TruncatedSvd.of(Nd4j.create(w), Math.min(w.length, w[0].length));
            double[][] best = toDoubles(TruncatedSvd.of(Nd4j.create(w), R).product());
            LoraPair pair = next.module(m);
            // Products are compared: singular vectors' signs are free.
            assertTrue(maxAbsDiff(best, PeerFixtures.product(next.scale(), pair)) < 1e-9, m);
            // Eckart–Young: the error is the energy of the dropped singular values.
            double dropped = 0;
            for (int j = R; j < dense.rank(); j++) {
                dropped += Math.pow(dense.singularValues().getDouble(j), 2);
            }
            double error =
                    Fixtures.frobenius(
                            PeerFixtures.add(w, -1, PeerFixtures.product(next.scale(), pair)));
            assertEquals(Math.sqrt(dropped), error, 1e-9, m);
            // FlexLoRA's convention: A = Vᵀ has orthonormal rows.
            double[][] gram = toDoubles(pair.a().mmul(pair.a().transpose()));
            for (int i = 0; i < R; i++) {
                for (int j = 0; j < R; j++) {
                    assertEquals(i == j ? 1 : 0, gram[i][j], 1e-10);
                }
            }
            // A rank-2 client starts from the best rank-2 approximation of the sum.
            LoraPair start2 = GLOBAL.next(out).clientStart(2).module(m);
            double[][] best2 = toDoubles(TruncatedSvd.of(Nd4j.create(w), 2).product());
            assertTrue(maxAbsDiff(best2, PeerFixtures.product(next.scale(), start2)) < 1e-9, m);
        }
        double[][] head =
                Fixtures.sum(
                        clients.stream()
                                .map(c -> toDoubles(c.modulesToSave().get("head.weight")))
                                .toList(),
                        p);
        assertTrue(maxAbsDiff(head, toDoubles(next.modulesToSave().get("head.weight"))) < 1e-12);
    }

    @Test
    void shouldBeExactWhenTheClientsRanksFitTheGlobalRank() {
        List<Adapter> clients =
                List.of(PeerFixtures.client(20, 1, R, ALPHA), PeerFixtures.client(21, 2, R, ALPHA));
        long[] examples = {3, 1};
        double[] p = PeerFixtures.shares(examples);
        FitOutcome out = aggregate(clients, examples);
        for (String m : MODULES) {
            assertTrue(
                    maxAbsDiff(
                                    PeerFixtures.idealUpdate(clients, p, m),
                                    PeerFixtures.product(
                                            out.adapter().scale(), out.adapter().module(m)))
                            < 1e-10,
                    m);
        }
        double error =
                AggregationError.max(
                        AggregationError.perModule(
                                PeerFixtures.results(clients, examples), p, out));
        assertTrue(error < 1e-6, "aggregation error " + error);
    }

    @Test
    void shouldGiveEachClientItsOwnRankUpToTheGlobalOne() {
        List<FitInstruction> instructions =
                new FlexLora(ClientSampler.ALL, Weighting.EXAMPLES)
                        .configureFit(
                                1,
                                GLOBAL,
                                List.of(
                                        new ClientInfo("a", 2, 1),
                                        new ClientInfo("b", 16, 1),
                                        new ClientInfo("c", 4, 1)));
        assertEquals(List.of(2, 4, 4), instructions.stream().map(FitInstruction::rank).toList());
    }
}
