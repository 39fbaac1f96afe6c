package io.fedlora.aggregation;

import static io.fedlora.aggregation.Fixtures.toDoubles;
import static io.fedlora.aggregation.PeerFixtures.MODULES;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The server correction hook (LoRA-FAIR's place) as HetLoRA, nested ranks and FedIT apply it: once
 * per module, after averaging, seeing every client's own pair and the coefficients {@code cᵢ =
 * pᵢ·sᵢ/s}, its pair becoming the next global one and its diagnostics averaged into the metrics.
 */
class CorrectionHookTest {

    private static final int R = 4;
    private static final double ALPHA = 8;
    private static final GlobalModel GLOBAL = GlobalModel.initial(Fixtures.adapter(1, R, ALPHA));

    /** Doubles B and records what it was shown. */
    static final class Recording implements FactorCorrection {
        final List<String> modules = new ArrayList<>();
        final List<double[]> coefficients = new ArrayList<>();
        final List<List<Integer>> ranks = new ArrayList<>();

        @Override
        public String name() {
            return "rec";
        }

        @Override
        public Corrected correct(LoraPair averaged, ModuleClients clients) {
            modules.add(clients.module());
            double[] c = new double[clients.size()];
            List<Integer> r = new ArrayList<>();
            for (int i = 0; i < c.length; i++) {
                c[i] = clients.coefficient(i);
                r.add(clients.pair(i).rank());
            }
            coefficients.add(c);
            ranks.add(r);
            return new Corrected(
                    new LoraPair(averaged.a(), averaged.b().mul(2)),
                    Map.of("index", (double) modules.size()));
        }
    }

    // Ranks 2 and 4; the second client's alpha 12 makes its scale 3 against the global 2.
    private static final List<Adapter> CLIENTS =
            List.of(PeerFixtures.client(10, 2, R, ALPHA), Fixtures.adapter(11, 4, 12));
    private static final long[] EXAMPLES = {1, 3};

    private static void check(Function<FactorCorrection, Strategy> strategy, boolean sameRanks) {
        List<FitResult> results =
                PeerFixtures.results(
                        sameRanks
                                ? List.of(Fixtures.adapter(10, R, ALPHA), CLIENTS.get(1))
                                : CLIENTS,
                        EXAMPLES);
        Recording rec = new Recording();
        FitOutcome plain =
                strategy.apply(FactorCorrection.NONE).aggregateFit(1, GLOBAL, results, List.of());
        FitOutcome corrected = strategy.apply(rec).aggregateFit(1, GLOBAL, results, List.of());

        assertEquals(List.of(MODULES), List.of(rec.modules.toArray(String[]::new)));
        double[] p = PeerFixtures.shares(EXAMPLES);
        for (double[] c : rec.coefficients) {
            assertArrayEquals(new double[] {p[0] * 2 / 2, p[1] * 3 / 2}, c, 1e-15);
        }
        for (List<Integer> r : rec.ranks) {
            assertEquals(sameRanks ? List.of(R, R) : List.of(2, 4), r, "clients' own ranks");
        }
        for (String m : MODULES) {
            assertEquals(
                    0,
                    PeerFixtures.maxAbsDiff(
                            toDoubles(plain.adapter().module(m).a()),
                            toDoubles(corrected.adapter().module(m).a())));
            double[][] doubled =
                    PeerFixtures.add(
                            new double[toDoubles(plain.adapter().module(m).b()).length][R],
                            2,
                            toDoubles(plain.adapter().module(m).b()));
            assertEquals(
                    0,
                    PeerFixtures.maxAbsDiff(doubled, toDoubles(corrected.adapter().module(m).b())),
                    1e-12);
        }
        assertEquals(1.5, corrected.metrics().get("rec.index.mean"), "(1 + 2) / 2 modules");
        assertEquals(
                plain.adapter().modulesToSave().keySet(),
                corrected.adapter().modulesToSave().keySet());
    }

    @Test
    void shouldCorrectHetLoraPerModule() {
        check(c -> new HetLora(ClientSampler.ALL, Weighting.EXAMPLES, c, 0), false);
    }

    @Test
    void shouldCorrectNestedRanksPerModule() {
        check(c -> new NestedRank(ClientSampler.ALL, Weighting.EXAMPLES, c), false);
    }

    @Test
    void shouldCorrectFedItPerModule() {
        check(c -> new FedIt("fedit", ClientSampler.ALL, Weighting.EXAMPLES, c), true);
    }
}
