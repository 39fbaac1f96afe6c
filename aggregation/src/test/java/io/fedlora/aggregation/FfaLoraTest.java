package io.fedlora.aggregation;

import static io.fedlora.aggregation.Fixtures.toDoubles;
import static io.fedlora.aggregation.PeerFixtures.MODULES;
import static io.fedlora.aggregation.PeerFixtures.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FfaLoraTest {

    private static final int R = 3;
    private static final double ALPHA = 6;
    private static final Adapter GLOBAL = Fixtures.adapter(1, R, ALPHA);

    /** A client that honoured the freeze: the global A, its own B and head. */
    static Adapter trainedB(Adapter global, long seed) {
        Adapter own = Fixtures.adapter(seed, global.rank(), global.alpha());
        Map<String, LoraPair> pairs = new LinkedHashMap<>();
        global.modules()
                .forEach(
                        (name, pair) ->
                                pairs.put(
                                        name, new LoraPair(pair.a().dup(), own.module(name).b())));
        return new Adapter(
                pairs, global.rank(), global.alpha(), global.targetModules(), own.modulesToSave());
    }

    @Test
    void shouldAverageBOnlyKeepTheGlobalAAndBeExact() {
        List<Adapter> clients =
                List.of(trainedB(GLOBAL, 10), trainedB(GLOBAL, 11), trainedB(GLOBAL, 12));
        long[] examples = {10, 30, 60};
        double[] p = PeerFixtures.shares(examples);
        List<FitResult> results = PeerFixtures.results(clients, examples);
        FitOutcome out =
                new FfaLora(ClientSampler.ALL, Weighting.EXAMPLES)
                        .aggregateFit(1, GlobalModel.initial(GLOBAL), results, List.of());

        for (String m : MODULES) {
            LoraPair agg = out.adapter().module(m);
            assertEquals(0, maxAbsDiff(toDoubles(GLOBAL.module(m).a()), toDoubles(agg.a())), m);
            double[][] expectedB =
                    Fixtures.sum(clients.stream().map(c -> toDoubles(c.module(m).b())).toList(), p);
            assertTrue(maxAbsDiff(expectedB, toDoubles(agg.b())) < 1e-12, m);
            // Exact: s·B̄·A is the average of the clients' updates.
            double[][] ideal = PeerFixtures.idealUpdate(clients, p, m);
            assertTrue(maxAbsDiff(ideal, PeerFixtures.product(GLOBAL.scale(), agg)) < 1e-10, m);
        }
        double[][] head =
                Fixtures.sum(
                        clients.stream()
                                .map(c -> toDoubles(c.modulesToSave().get("head.weight")))
                                .toList(),
                        p);
        assertTrue(
                maxAbsDiff(head, toDoubles(out.adapter().modulesToSave().get("head.weight")))
                        < 1e-12);
        // The factored error squares the norm, so round-off shows at √ε: ~1e-8.
        double error = AggregationError.max(AggregationError.perModule(results, p, out));
        assertTrue(error < 1e-6, "aggregation error " + error);
        assertEquals(0.0, out.metrics().get("lora-a-drift.max"));
        assertEquals(3.0, out.metrics().get("clients"));
        assertEquals(R, out.adapter().rank());
        assertEquals(ALPHA, out.adapter().alpha());
    }

    @Test
    void shouldIgnoreAClientsMovedAAndReportTheLargestDrift() {
        Adapter honest = trainedB(GLOBAL, 20);
        Adapter moved = trainedB(GLOBAL, 21);
        Map<String, LoraPair> pairs = new LinkedHashMap<>(moved.modules());
        LoraPair m1 = moved.module("m1");
        pairs.put("m1", new LoraPair(m1.a().add(0.5), m1.b())); // all 3×7 entries +0.5
        Adapter drifted =
                new Adapter(pairs, R, ALPHA, moved.targetModules(), moved.modulesToSave());

        FitOutcome out =
                new FfaLora(ClientSampler.ALL, Weighting.UNIFORM)
                        .aggregateFit(
                                1,
                                GlobalModel.initial(GLOBAL),
                                PeerFixtures.results(List.of(honest, drifted), 1, 1),
                                List.of());

        assertEquals(0.5 * Math.sqrt(3 * 7), out.metrics().get("lora-a-drift.max"), 1e-12);
        assertEquals(
                0,
                maxAbsDiff(
                        toDoubles(GLOBAL.module("m1").a()),
                        toDoubles(out.adapter().module("m1").a())));
        double[][] meanB =
                Fixtures.sum(
                        List.of(
                                toDoubles(honest.module("m1").b()),
                                toDoubles(drifted.module("m1").b())),
                        new double[] {0.5, 0.5});
        assertTrue(maxAbsDiff(meanB, toDoubles(out.adapter().module("m1").b())) < 1e-12);
    }

    @Test
    void shouldInstructEveryClientToFreezeAAtTheGlobalRank() {
        List<FitInstruction> instructions =
                new FfaLora(ClientSampler.ALL, Weighting.EXAMPLES)
                        .configureFit(
                                4,
                                GlobalModel.initial(GLOBAL),
                                List.of(new ClientInfo("a", 8, 10), new ClientInfo("b", 2, 10)));
        assertEquals(1, instructions.size(), "rank-2 client cannot train a rank-3 adapter");
        FitInstruction i = instructions.get(0);
        assertEquals("a", i.clientId());
        assertEquals(R, i.rank());
        assertEquals(Map.of(TrainOptions.FREEZE_A, "true"), i.options());
    }
}
