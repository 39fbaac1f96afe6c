package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Seeded random adapters and plain-Java reference math for the aggregation tests. */
final class Fixtures {

    private Fixtures() {}

    /** Module shapes {out, in} of the test adapters. */
    static final int[][] SHAPES = {{6, 5}, {4, 7}};

    static INDArray gaussian(Random rnd, long rows, long cols) {
        double[] values = new double[(int) (rows * cols)];
        for (int i = 0; i < values.length; i++) {
            values[i] = rnd.nextGaussian();
        }
        return Nd4j.create(values, new long[] {rows, cols}, DataType.DOUBLE);
    }

    /** A DOUBLE adapter of rank {@code rank} with modules m0, m1 and a saved head. */
    static Adapter adapter(long seed, int rank, double alpha) {
        Random rnd = new Random(seed);
        Map<String, LoraPair> modules = new LinkedHashMap<>();
        for (int i = 0; i < SHAPES.length; i++) {
            modules.put(
                    "m" + i,
                    new LoraPair(
                            gaussian(rnd, rank, SHAPES[i][1]), gaussian(rnd, SHAPES[i][0], rank)));
        }
        Map<String, INDArray> saved = new LinkedHashMap<>();
        saved.put("head.weight", gaussian(rnd, 3, 4));
        return new Adapter(modules, rank, alpha, List.of("m0", "m1"), saved);
    }

    static FitResult result(String client, long round, long examples, Adapter adapter) {
        return FitResult.inMemory(client, round, examples, Map.of("loss", 1.0), adapter);
    }

    static double[][] toDoubles(INDArray m) {
        return m.castTo(DataType.DOUBLE).toDoubleMatrix();
    }

    /** Dense {@code Σ cᵢ·Mᵢ} of equally shaped matrices, in plain Java. */
    static double[][] sum(List<double[][]> ms, double[] c) {
        double[][] out = new double[ms.get(0).length][ms.get(0)[0].length];
        for (int k = 0; k < ms.size(); k++) {
            for (int i = 0; i < out.length; i++) {
                for (int j = 0; j < out[0].length; j++) {
                    out[i][j] += c[k] * ms.get(k)[i][j];
                }
            }
        }
        return out;
    }

    static double frobenius(double[][] m) {
        double s = 0;
        for (double[] row : m) {
            for (double v : row) {
                s += v * v;
            }
        }
        return Math.sqrt(s);
    }

    static double[][] minus(double[][] x, double[][] y) {
        return sum(List.of(x, y), new double[] {1, -1});
    }

    static void assertClose(double[][] expected, INDArray actual, double tolerance) {
        double[][] a = toDoubles(actual);
        org.junit.jupiter.api.Assertions.assertEquals(expected.length, a.length, "rows");
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[0].length; j++) {
                org.junit.jupiter.api.Assertions.assertEquals(
                        expected[i][j], a[i][j], tolerance, "element (" + i + ", " + j + ")");
            }
        }
    }
}
