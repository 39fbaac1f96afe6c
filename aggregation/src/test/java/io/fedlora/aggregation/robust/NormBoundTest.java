package io.fedlora.aggregation.robust;

import static io.fedlora.aggregation.SeededAdapters.flat;
import static io.fedlora.aggregation.SeededAdapters.fromFlat;
import static io.fedlora.aggregation.SeededAdapters.maxAbsDiff;
import static io.fedlora.aggregation.SeededAdapters.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.aggregation.AdapterTensors;
import io.fedlora.aggregation.ClientSampler;
import io.fedlora.aggregation.FedIt;
import io.fedlora.aggregation.FitOutcome;
import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.aggregation.ScriptedStrategy;
import io.fedlora.aggregation.SeededAdapters;
import io.fedlora.aggregation.UpdateHandle;
import io.fedlora.aggregation.Weighting;
import io.fedlora.lora.Adapter;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class NormBoundTest {

    private static final Adapter GLOBAL = SeededAdapters.random(21, DataType.DOUBLE, 4);

    /** A random direction of exactly the given L2 norm, by loops. */
    private static double[] direction(int length, long seed, double norm) {
        Random rnd = new Random(seed);
        double[] d = new double[length];
        double sum = 0;
        for (int i = 0; i < length; i++) {
            d[i] = rnd.nextGaussian();
            sum += d[i] * d[i];
        }
        for (int i = 0; i < length; i++) {
            d[i] *= norm / Math.sqrt(sum);
        }
        return d;
    }

    private static double[] plus(double[] x, double c, double[] d) {
        double[] out = x.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += c * d[i];
        }
        return out;
    }

    @Test
    void clipsALargeUpdateToTheBoundAndPassesASmallOneUntouched() {
        double[] g = flat(GLOBAL);
        double[] big = direction(g.length, 1, 10.0);
        double[] small = direction(g.length, 2, 1.0);
        FitResult bigResult = result("big", 1, 5, fromFlat(GLOBAL, plus(g, 1, big)));
        FitResult smallResult = result("small", 1, 5, fromFlat(GLOBAL, plus(g, 1, small)));
        ScriptedStrategy inner =
                new ScriptedStrategy("capture", (gm, r) -> new FitOutcome(gm.adapter(), Map.of()));
        FitOutcome outcome =
                new NormBound(inner, 2.0)
                        .aggregateFit(
                                1,
                                GlobalModel.initial(GLOBAL),
                                List.of(bigResult, smallResult),
                                List.of());

        List<FitResult> seen = inner.seen.get(0);
        assertSame(smallResult, seen.get(1));
        UpdateHandle clipped = seen.get(0).update();
        double[] expected = plus(g, 0.2, big);
        assertTrue(maxAbsDiff(expected, flat(clipped.load())) < 1e-13);
        assertEquals(2.0, SeededAdapters.distance(flat(clipped.load()), g), 1e-12);
        // Module-wise reads agree with the whole adapter.
        Adapter whole = clipped.load();
        assertTrue(
                maxAbsDiff(values(whole.module("m1").a()), values(clipped.module("m1").a())) == 0);
        assertEquals(
                AdapterTensors.squaredNorm(whole.modulesToSave().get("head.weight")),
                AdapterTensors.squaredNorm(clipped.saved("head.weight")),
                0.0);
        assertEquals(1.0, outcome.metrics().get("norm-bound.clipped"));
        assertEquals(10.0, outcome.metrics().get("norm-bound.max-update-norm"), 1e-12);
    }

    /** One tensor's values in C order. */
    private static double[] values(INDArray t) {
        return t.castTo(DataType.DOUBLE).dup('c').reshape(t.length()).toDoubleVector();
    }

    @Test
    void withFedItTheAggregateIsTheWeightedMeanOfClippedUpdates() {
        double[] g = flat(GLOBAL);
        double[] d1 = direction(g.length, 3, 6.0);
        double[] d2 = direction(g.length, 4, 0.5);
        List<FitResult> results =
                List.of(
                        result("a", 1, 30, fromFlat(GLOBAL, plus(g, 1, d1))),
                        result("b", 1, 10, fromFlat(GLOBAL, plus(g, 1, d2))));
        FitOutcome outcome =
                new NormBound(new FedIt(ClientSampler.ALL, Weighting.EXAMPLES), 1.5)
                        .aggregateFit(1, GlobalModel.initial(GLOBAL), results, List.of());
        double[] expected = plus(plus(g, 0.75 * 1.5 / 6.0, d1), 0.25, d2);
        assertTrue(maxAbsDiff(expected, flat(outcome.adapter())) < 1e-13);
    }

    @Test
    void aSmallerRankClientIsClippedAroundItsOwnStart() {
        GlobalModel global = GlobalModel.initial(GLOBAL);
        Adapter start = global.clientStart(2);
        double[] s = flat(start);
        double[] d = direction(s.length, 5, 4.0);
        FitResult client = result("low", 1, 1, fromFlat(start, plus(s, 1, d)));
        UpdateClipping.Clipped c = new UpdateClipping(global).clip(client, 1.0);
        assertEquals(4.0, c.norm(), 1e-12);
        assertEquals(0.25, c.factor(), 1e-15);
        assertTrue(maxAbsDiff(plus(s, 0.25, d), flat(c.result().adapter())) < 1e-13);
        assertEquals(2, c.result().adapter().rank());
    }

    @Test
    void boundMustBePositiveAndFinite() {
        FedIt fedit = new FedIt(ClientSampler.ALL, Weighting.EXAMPLES);
        assertThrows(IllegalArgumentException.class, () -> new NormBound(fedit, 0));
        assertThrows(
                IllegalArgumentException.class,
                () -> new NormBound(fedit, Double.POSITIVE_INFINITY));
    }
}
