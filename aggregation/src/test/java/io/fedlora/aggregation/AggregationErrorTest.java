package io.fedlora.aggregation;

import static io.fedlora.aggregation.Fixtures.frobenius;
import static io.fedlora.aggregation.Fixtures.minus;
import static io.fedlora.aggregation.Fixtures.sum;
import static io.fedlora.aggregation.Fixtures.toDoubles;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AggregationErrorTest {

    @Test
    void factoredErrorEqualsTheDenseOneWithScalesAndABaseUpdate() {
        // Clients of different ranks and alphas, so each product carries its own scale.
        Adapter x = Fixtures.adapter(1, 2, 4);
        Adapter y = Fixtures.adapter(2, 3, 9);
        Adapter z = Fixtures.adapter(3, 4, 2);
        Adapter aggregate = Fixtures.adapter(4, 3, 5);
        Adapter baseFactors = Fixtures.adapter(5, 5, 5);
        BaseUpdate base = new BaseUpdate(baseFactors.modules(), 0.3);
        List<FitResult> results =
                List.of(
                        Fixtures.result("x", 1, 1, x),
                        Fixtures.result("y", 1, 1, y),
                        Fixtures.result("z", 1, 1, z));
        double[] p = {0.2, 0.5, 0.3};
        FitOutcome outcome = new FitOutcome(aggregate, Optional.of(base), Map.of());

        Map<String, Double> errors = AggregationError.perModule(results, p, outcome);

        for (String m : List.of("m0", "m1")) {
            List<double[][]> products = new ArrayList<>();
            for (Adapter c : List.of(x, y, z)) {
                products.add(toDoubles(c.module(m).deltaW(c.scale())));
            }
            double[][] ideal = sum(products, p);
            double[][] built =
                    sum(
                            List.of(
                                    toDoubles(aggregate.module(m).deltaW(aggregate.scale())),
                                    toDoubles(base.deltaW(m))),
                            new double[] {1, 1});
            double expected = frobenius(minus(ideal, built)) / frobenius(ideal);
            assertEquals(expected, errors.get(m), 1e-10 * expected, m);
        }
    }

    @Test
    void anExactAggregateHasZeroError() {
        Adapter x = Fixtures.adapter(1, 2, 2);
        Adapter y = Fixtures.adapter(2, 2, 2);
        // Stack the factors: [x.B, y.B]·[½x.A; ½y.A] is ½(x.B·x.A + y.B·y.A) exactly.
        Map<String, LoraPair> stacked = new java.util.LinkedHashMap<>();
        for (String m : List.of("m0", "m1")) {
            stacked.put(
                    m,
                    new LoraPair(
                            org.nd4j.linalg.factory.Nd4j.vstack(
                                    x.module(m).a().mul(0.5), y.module(m).a().mul(0.5)),
                            org.nd4j.linalg.factory.Nd4j.hstack(x.module(m).b(), y.module(m).b())));
        }
        Adapter exact = new Adapter(stacked, 4, 4, x.targetModules(), x.modulesToSave());
        List<FitResult> results =
                List.of(Fixtures.result("x", 1, 1, x), Fixtures.result("y", 1, 1, y));
        double error =
                AggregationError.max(
                        AggregationError.perModule(
                                results, new double[] {0.5, 0.5}, new FitOutcome(exact, Map.of())));
        assertEquals(0.0, error, 1e-7);
    }
}
