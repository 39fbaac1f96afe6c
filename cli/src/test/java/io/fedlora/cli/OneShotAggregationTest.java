package io.fedlora.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fedlora.aggregation.BaseUpdate;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class OneShotAggregationTest {

    @Test
    void shouldWriteABaseUpdateAsAnAdapterWhoseMergeIsTheUpdate() {
        Random rng = new Random(9);
        Map<String, LoraPair> modules = new LinkedHashMap<>();
        modules.put("q", new LoraPair(gaussian(rng, 2, 5), gaussian(rng, 4, 2)));
        modules.put("fc1", new LoraPair(gaussian(rng, 3, 5), gaussian(rng, 6, 3)));
        BaseUpdate update = new BaseUpdate(modules, -0.7);

        Adapter a = OneShotAggregation.baseUpdateAsAdapter(update, List.of("q", "fc1"));

        assertEquals(3, a.rank(), "padded to the largest k");
        assertEquals(1.0, a.scale(), 0);
        for (String m : List.of("q", "fc1")) {
            double[][] expected = dense(modules.get(m), -0.7);
            double[][] actual = dense(a.module(m), a.scale());
            for (int r = 0; r < expected.length; r++) {
                assertArrayEquals(expected[r], actual[r], 1e-5, m + " row " + r);
            }
        }
    }

    private static double[][] dense(LoraPair pair, double scale) {
        double[][] a = pair.a().toDoubleMatrix();
        double[][] b = pair.b().toDoubleMatrix();
        double[][] w = new double[b.length][a[0].length];
        for (int r = 0; r < b.length; r++) {
            for (int c = 0; c < a[0].length; c++) {
                for (int k = 0; k < a.length; k++) {
                    w[r][c] += scale * b[r][k] * a[k][c];
                }
            }
        }
        return w;
    }

    private static INDArray gaussian(Random rng, int rows, int cols) {
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextGaussian();
        }
        return Nd4j.create(v, new long[] {rows, cols}, DataType.FLOAT);
    }
}
