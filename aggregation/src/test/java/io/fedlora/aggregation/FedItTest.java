package io.fedlora.aggregation;

import static io.fedlora.aggregation.Fixtures.assertClose;
import static io.fedlora.aggregation.Fixtures.toDoubles;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FedItTest {

    private final FedIt fedit = new FedIt(ClientSampler.ALL, Weighting.EXAMPLES);

    @Test
    void averagesFactorsAndSavedModulesSeparatelyByExampleCount() {
        Adapter x = Fixtures.adapter(1, 3, 6);
        Adapter y = Fixtures.adapter(2, 3, 6);
        Adapter z = Fixtures.adapter(3, 3, 6);
        List<FitResult> results =
                List.of(
                        Fixtures.result("x", 1, 10, x),
                        Fixtures.result("y", 1, 30, y),
                        Fixtures.result("z", 1, 60, z));
        FitOutcome out = fedit.aggregateFit(1, GlobalModel.initial(x), results, List.of());
        double[] p = {0.1, 0.3, 0.6};
        for (String m : List.of("m0", "m1")) {
            assertClose(
                    Fixtures.sum(List.of(a(x, m), a(y, m), a(z, m)), p),
                    out.adapter().module(m).a(),
                    1e-12);
            assertClose(
                    Fixtures.sum(List.of(b(x, m), b(y, m), b(z, m)), p),
                    out.adapter().module(m).b(),
                    1e-12);
        }
        assertClose(
                Fixtures.sum(
                        List.of(
                                toDoubles(x.modulesToSave().get("head.weight")),
                                toDoubles(y.modulesToSave().get("head.weight")),
                                toDoubles(z.modulesToSave().get("head.weight"))),
                        p),
                out.adapter().modulesToSave().get("head.weight"),
                1e-12);
        assertEquals(3.0, out.metrics().get("clients"));
        assertEquals(3, out.adapter().rank());
        assertEquals(6.0, out.adapter().alpha());
    }

    @Test
    void uniformWeightingIgnoresExampleCounts() {
        Adapter x = Fixtures.adapter(1, 2, 2);
        Adapter y = Fixtures.adapter(2, 2, 2);
        FedIt uniform = new FedIt(ClientSampler.ALL, Weighting.UNIFORM);
        FitOutcome out =
                uniform.aggregateFit(
                        1,
                        GlobalModel.initial(x),
                        List.of(Fixtures.result("x", 1, 1, x), Fixtures.result("y", 1, 99, y)),
                        List.of());
        assertClose(
                Fixtures.sum(List.of(a(x, "m0"), a(y, "m0")), new double[] {0.5, 0.5}),
                out.adapter().module("m0").a(),
                1e-12);
    }

    @Test
    void identicalClientsAggregateToThemselves() {
        Adapter x = Fixtures.adapter(7, 4, 8);
        List<FitResult> results = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            results.add(Fixtures.result("c" + i, 1, 10 + i, x));
        }
        FitOutcome out = fedit.aggregateFit(1, GlobalModel.initial(x), results, List.of());
        for (Map.Entry<String, LoraPair> e : x.modules().entrySet()) {
            assertClose(toDoubles(e.getValue().a()), out.adapter().module(e.getKey()).a(), 1e-12);
            assertClose(toDoubles(e.getValue().b()), out.adapter().module(e.getKey()).b(), 1e-12);
        }
        assertEquals(
                0.0,
                AggregationError.max(
                        AggregationError.perModule(results, Weighting.EXAMPLES.of(results), out)),
                1e-7);
    }

    @Test
    void factorAverageIsNotTheAverageProduct() {
        Adapter x = Fixtures.adapter(1, 3, 3);
        Adapter y = Fixtures.adapter(2, 3, 3);
        List<FitResult> results =
                List.of(Fixtures.result("x", 1, 1, x), Fixtures.result("y", 1, 1, y));
        FitOutcome out = fedit.aggregateFit(1, GlobalModel.initial(x), results, List.of());
        double error =
                AggregationError.max(
                        AggregationError.perModule(results, new double[] {0.5, 0.5}, out));
        assertTrue(error > 0.1, "FedIT's B̄Ā differs from the mean product, error " + error);
    }

    @Test
    void correctionReplacesEachAveragedPair() {
        Adapter x = Fixtures.adapter(1, 2, 2);
        Adapter y = Fixtures.adapter(2, 2, 2);
        List<String> seen = new ArrayList<>();
        FactorCorrection zeroB =
                new FactorCorrection() {
                    @Override
                    public String name() {
                        return "zero-b";
                    }

                    @Override
                    public Corrected correct(LoraPair averaged, ModuleClients clients) {
                        seen.add(clients.module() + ":" + clients.size());
                        assertEquals(0.25, clients.coefficient(0), 1e-15);
                        return new Corrected(
                                new LoraPair(averaged.a(), averaged.b().mul(0)),
                                Map.of("iterations", 2.0));
                    }
                };
        FedIt corrected = new FedIt("zero-b", ClientSampler.ALL, Weighting.EXAMPLES, zeroB);
        FitOutcome out =
                corrected.aggregateFit(
                        1,
                        GlobalModel.initial(x),
                        List.of(Fixtures.result("x", 1, 1, x), Fixtures.result("y", 1, 3, y)),
                        List.of());
        assertEquals(List.of("m0:2", "m1:2"), seen);
        assertEquals(0.0, out.adapter().module("m1").b().norm2Number().doubleValue());
        assertEquals(2.0, out.metrics().get("zero-b.iterations.mean"));
    }

    @Test
    void noResultsIsAnError() {
        Adapter x = Fixtures.adapter(1, 2, 2);
        assertThrows(
                IllegalArgumentException.class,
                () -> fedit.aggregateFit(1, GlobalModel.initial(x), List.of(), List.of()));
    }

    @Test
    void instructsEveryEligibleClientAtTheGlobalRank() {
        GlobalModel global = GlobalModel.initial(Fixtures.adapter(1, 4, 4));
        List<FitInstruction> fit =
                fedit.configureFit(
                        3,
                        global,
                        List.of(
                                new ClientInfo("b", 8, 10),
                                new ClientInfo("a", 4, 10),
                                new ClientInfo("small", 2, 10)));
        assertEquals(List.of("a", "b"), fit.stream().map(FitInstruction::clientId).toList());
        assertTrue(fit.stream().allMatch(i -> i.rank() == 4 && i.round() == 3));
    }

    private static double[][] a(Adapter adapter, String module) {
        return toDoubles(adapter.module(module).a());
    }

    private static double[][] b(Adapter adapter, String module) {
        return toDoubles(adapter.module(module).b());
    }
}
