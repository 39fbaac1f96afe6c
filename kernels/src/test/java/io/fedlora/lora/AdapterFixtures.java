package io.fedlora.lora;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Seeded random adapters and plain-Java reference math, independent of ND4J's kernels. */
final class AdapterFixtures {

    private AdapterFixtures() {}

    /** A matrix of standard normal values from {@code rnd}. */
    static INDArray gaussian(Random rnd, DataType type, long rows, long cols) {
        double[] values = new double[(int) (rows * cols)];
        for (int i = 0; i < values.length; i++) {
            values[i] = rnd.nextGaussian();
        }
        return Nd4j.create(values, new long[] {rows, cols}, DataType.DOUBLE).castTo(type);
    }

    /**
     * An adapter with modules {@code m0, m1, …} of shapes {@code shapes[i] = {out, in}}, rank
     * {@code rank}, and one 1-D and one 2-D saved module.
     */
    static Adapter randomAdapter(long seed, DataType type, int rank, double alpha, int[][] shapes) {
        Random rnd = new Random(seed);
        Map<String, LoraPair> modules = new LinkedHashMap<>();
        for (int i = 0; i < shapes.length; i++) {
            modules.put(
                    "m" + i,
                    new LoraPair(
                            gaussian(rnd, type, rank, shapes[i][1]),
                            gaussian(rnd, type, shapes[i][0], rank)));
        }
        Map<String, INDArray> saved = new LinkedHashMap<>();
        saved.put("head.bias", gaussian(rnd, type, 1, 3).reshape(3));
        saved.put("head.weight", gaussian(rnd, type, 3, 2));
        return new Adapter(modules, rank, alpha, List.of("q", "v"), saved);
    }

    static final int[][] SHAPES = {{5, 7}, {6, 4}, {3, 3}};

    static double[][] toDoubles(INDArray m) {
        return m.castTo(DataType.DOUBLE).toDoubleMatrix();
    }

    /** {@code c · x · y} with triple loops. */
    static double[][] matmul(double c, double[][] x, double[][] y) {
        int n = x.length;
        int k = y.length;
        int m = y[0].length;
        double[][] out = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double sum = 0;
                for (int t = 0; t < k; t++) {
                    sum += x[i][t] * y[t][j];
                }
                out[i][j] = c * sum;
            }
        }
        return out;
    }

    /** {@code c · B · A} by loops. */
    static double[][] denseProduct(double c, LoraPair p) {
        return matmul(c, toDoubles(p.b()), toDoubles(p.a()));
    }

    static double[][] add(double[][] x, double cy, double[][] y) {
        double[][] out = new double[x.length][x[0].length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[0].length; j++) {
                out[i][j] = x[i][j] + cy * y[i][j];
            }
        }
        return out;
    }

    static double frobeniusInner(double[][] x, double[][] y) {
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[0].length; j++) {
                sum += x[i][j] * y[i][j];
            }
        }
        return sum;
    }

    static double frobeniusNorm(double[][] x) {
        return Math.sqrt(frobeniusInner(x, x));
    }

    static double maxAbsDiff(double[][] x, double[][] y) {
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[0].length; j++) {
                max = Math.max(max, Math.abs(x[i][j] - y[i][j]));
            }
        }
        return max;
    }

    /** Tolerance for values of order 1–10 computed in {@code type}. */
    static double tolerance(DataType type) {
        return type == DataType.DOUBLE ? 1e-10 : 1e-4;
    }
}
