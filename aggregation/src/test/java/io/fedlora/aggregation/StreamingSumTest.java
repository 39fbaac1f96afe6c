package io.fedlora.aggregation;

import static io.fedlora.aggregation.Fixtures.assertClose;
import static io.fedlora.aggregation.Fixtures.toDoubles;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.AdapterSums;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamingSumTest {

    @Test
    void equalsTheBatchWeightedSum() {
        List<Adapter> adapters =
                List.of(
                        Fixtures.adapter(1, 3, 3),
                        Fixtures.adapter(2, 3, 3),
                        Fixtures.adapter(3, 3, 3));
        double[] w = {0.5, -1.25, 2};
        StreamingSum sum = new StreamingSum();
        for (int i = 0; i < adapters.size(); i++) {
            sum.add(adapters.get(i), w[i]);
        }
        Adapter streamed = sum.result();
        Adapter batch = AdapterSums.weightedSum(adapters, w);
        for (String m : List.of("m0", "m1")) {
            assertClose(toDoubles(batch.module(m).a()), streamed.module(m).a(), 1e-12);
            assertClose(toDoubles(batch.module(m).b()), streamed.module(m).b(), 1e-12);
        }
        assertClose(
                toDoubles(batch.modulesToSave().get("head.weight")),
                streamed.modulesToSave().get("head.weight"),
                1e-12);
    }

    @Test
    void theResultIsACopyThatLaterAddsDoNotChange() {
        StreamingSum sum = new StreamingSum();
        Adapter x = Fixtures.adapter(1, 2, 2);
        sum.add(x, 1);
        Adapter first = sum.result();
        sum.add(x, 1);
        assertClose(toDoubles(x.module("m0").a()), first.module("m0").a(), 0);
        // The caller's adapter was not modified by the in-place accumulation either.
        assertClose(toDoubles(Fixtures.adapter(1, 2, 2).module("m0").a()), x.module("m0").a(), 0);
    }

    @Test
    void rejectsMismatchesAndNonFiniteWeights() {
        StreamingSum sum = new StreamingSum();
        sum.add(Fixtures.adapter(1, 2, 2), 1);
        assertThrows(IllegalArgumentException.class, () -> sum.add(Fixtures.adapter(2, 3, 2), 1));
        assertThrows(
                IllegalArgumentException.class,
                () -> sum.add(Fixtures.adapter(2, 2, 2), Double.NaN));
        assertThrows(IllegalStateException.class, () -> new StreamingSum().result());
    }
}
