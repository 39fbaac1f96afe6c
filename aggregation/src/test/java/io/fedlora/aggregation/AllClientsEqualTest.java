package io.fedlora.aggregation;

import static io.fedlora.aggregation.Fixtures.toDoubles;
import static io.fedlora.aggregation.PeerFixtures.MODULES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.lora.Adapter;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * When every client returns the same adapter, every strategy must hand it back: the same factors
 * for the averaging ones, the same update (adapter product plus base update) for all of them.
 */
class AllClientsEqualTest {

    private static final int R = 4;
    private static final double ALPHA = 8;
    private static final Adapter COMMON = Fixtures.adapter(5, R, ALPHA);

    /**
     * Strategies whose adapter is an average or order statistic of factors, so it equals the common
     * one.
     */
    private static final Set<String> AVERAGING =
            Set.of(
                    "fedit",
                    "ffa-lora",
                    "fedex-lora",
                    "hetlora",
                    "nested-rank",
                    "median",
                    "trimmed-mean",
                    "multi-krum",
                    "fedavgm");

    /**
     * Adaptive server optimizers step towards the aggregate by {@code η·m/(√v + τ)}, not onto it;
     * their steps are checked against the formulas in {@code ServerOptimizerTest}.
     */
    private static final Set<String> STEPPING = Set.of("fedadam", "fedyogi", "fedadagrad");

    /**
     * Options that make the property hold with three clients: Krum's default f = 1 needs five;
     * FedAvgM with β = 0 and η = 1 is its inner aggregate.
     */
    private static final Map<String, Map<String, String>> OPTIONS =
            Map.of(
                    "multi-krum", Map.of("byzantine", "0"),
                    "fedavgm", Map.of("server-momentum", "0"));

    @Test
    void shouldReturnTheCommonUpdate() {
        List<FitResult> results =
                PeerFixtures.results(
                        List.of(
                                PeerFixtures.copy(COMMON),
                                PeerFixtures.copy(COMMON),
                                PeerFixtures.copy(COMMON)),
                        7,
                        11,
                        29);
        for (String name : Strategies.names()) {
            if (STEPPING.contains(name)) {
                continue;
            }
            Strategy strategy =
                    Strategies.create(new StrategySpec(name, OPTIONS.getOrDefault(name, Map.of())));
            // FFA-LoRA's clients share the global A; for the others the start is another adapter.
            Adapter start = name.equals("ffa-lora") ? COMMON : Fixtures.adapter(6, R, ALPHA);
            FitOutcome out =
                    strategy.aggregateFit(1, strategy.initialize(start), results, List.of());
            Adapter next = out.adapter();
            for (int k = 0; k < MODULES.length; k++) {
                String m = MODULES[k];
                double[][] expected = PeerFixtures.product(COMMON.scale(), COMMON.module(m));
                double[][] got = PeerFixtures.product(next.scale(), next.module(m));
                if (out.baseUpdate().isPresent()) {
                    got = PeerFixtures.add(got, 1, toDoubles(out.baseUpdate().get().deltaW(m)));
                }
                assertTrue(PeerFixtures.maxAbsDiff(expected, got) < 1e-10, name + " " + m);
                if (AVERAGING.contains(name)) {
                    assertEquals(
                            0,
                            PeerFixtures.maxAbsDiff(
                                    toDoubles(COMMON.module(m).a()), toDoubles(next.module(m).a())),
                            1e-12,
                            name);
                    assertEquals(
                            0,
                            PeerFixtures.maxAbsDiff(
                                    toDoubles(COMMON.module(m).b()), toDoubles(next.module(m).b())),
                            1e-12,
                            name);
                }
            }
            assertEquals(
                    0,
                    PeerFixtures.maxAbsDiff(
                            toDoubles(COMMON.modulesToSave().get("head.weight")),
                            toDoubles(next.modulesToSave().get("head.weight"))),
                    1e-12,
                    name);
        }
    }
}
