package io.fedlora.aggregation;

import static io.fedlora.aggregation.Fixtures.toDoubles;
import static io.fedlora.aggregation.PeerFixtures.MODULES;
import static io.fedlora.aggregation.PeerFixtures.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.lora.Adapter;
import java.util.List;
import org.junit.jupiter.api.Test;

class FedExLoraTest {

    private static final int R = 3;
    private static final double ALPHA = 6;
    private static final GlobalModel GLOBAL = GlobalModel.initial(Fixtures.adapter(1, R, ALPHA));

    @Test
    void shouldAverageTheFactorsAndPutTheExactResidualInTheBase() {
        List<Adapter> clients =
                List.of(
                        Fixtures.adapter(10, R, ALPHA),
                        Fixtures.adapter(11, R, ALPHA),
                        Fixtures.adapter(12, R, ALPHA),
                        Fixtures.adapter(13, R, ALPHA));
        long[] examples = {5, 10, 25, 60};
        double[] p = PeerFixtures.shares(examples);
        List<FitResult> results = PeerFixtures.results(clients, examples);
        FitOutcome out =
                new FedExLora(ClientSampler.ALL, Weighting.EXAMPLES)
                        .aggregateFit(1, GLOBAL, results, List.of());
        Adapter avg = out.adapter();
        BaseUpdate base = out.baseUpdate().orElseThrow();
        assertEquals(GLOBAL.adapter().scale(), base.scale());

        for (String m : MODULES) {
            // The adapter is FedIT's average, factor by factor.
            double[][] a =
                    Fixtures.sum(clients.stream().map(c -> toDoubles(c.module(m).a())).toList(), p);
            double[][] b =
                    Fixtures.sum(clients.stream().map(c -> toDoubles(c.module(m).b())).toList(), p);
            assertTrue(maxAbsDiff(a, toDoubles(avg.module(m).a())) < 1e-12, m);
            assertTrue(maxAbsDiff(b, toDoubles(avg.module(m).b())) < 1e-12, m);
            // The base update is the residual Σ pᵢsᵢBᵢAᵢ − s·B̄Ā, of rank (n+1)·r …
            double[][] ideal = PeerFixtures.idealUpdate(clients, p, m);
            double[][] averaged = PeerFixtures.product(avg.scale(), avg.module(m));
            assertEquals((clients.size() + 1) * R, base.modules().get(m).rank());
            assertTrue(
                    maxAbsDiff(PeerFixtures.add(ideal, -1, averaged), toDoubles(base.deltaW(m)))
                            < 1e-10,
                    m);
            // … so base plus adapter hold exactly the clients' average update.
            assertTrue(
                    maxAbsDiff(ideal, PeerFixtures.add(averaged, 1, toDoubles(base.deltaW(m))))
                            < 1e-10,
                    m);
            // The residual is far from zero: FedIT alone would be inexact here.
            assertTrue(
                    Fixtures.frobenius(toDoubles(base.deltaW(m))) > 0.1 * Fixtures.frobenius(ideal),
                    m);
        }
        double error = AggregationError.max(AggregationError.perModule(results, p, out));
        assertTrue(error < 1e-6, "aggregation error " + error);
        double fedItError =
                AggregationError.max(
                        AggregationError.perModule(
                                results, p, new FitOutcome(avg, java.util.Map.of())));
        assertTrue(fedItError > 0.1, "FedIT's own error " + fedItError);
    }

    @Test
    void shouldTrainEveryClientAtTheGlobalRank() {
        List<FitInstruction> instructions =
                new FedExLora(ClientSampler.ALL, Weighting.EXAMPLES)
                        .configureFit(
                                1,
                                GLOBAL,
                                List.of(new ClientInfo("a", 1, 1), new ClientInfo("b", 64, 1)));
        assertEquals(List.of("b"), instructions.stream().map(FitInstruction::clientId).toList());
        assertEquals(R, instructions.get(0).rank());
    }
}
