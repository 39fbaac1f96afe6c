package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Seeded random adapters for the aggregation tests, and their values as plain Java arrays so that
 * expected results are computed with loops, independently of ND4J's kernels.
 */
public final class SeededAdapters {

    private SeededAdapters() {}

    /** Modules {@code {out, in}}: two adapted layers. */
    public static final int[][] SHAPES = {{5, 7}, {6, 4}};

    /** A tensor of {@code N(0, std²)} values. */
    public static INDArray gaussian(Random rnd, DataType type, double std, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        double[] values = new double[(int) n];
        for (int i = 0; i < values.length; i++) {
            values[i] = std * rnd.nextGaussian();
        }
        return Nd4j.create(values, shape, DataType.DOUBLE).castTo(type);
    }

    /**
     * A rank-{@code rank} adapter with modules {@code m0, m1} of {@link #SHAPES} and saved modules
     * {@code head.bias} (3) and {@code head.weight} (3×2).
     */
    public static Adapter random(long seed, DataType type, int rank) {
        return random(seed, type, rank, SHAPES);
    }

    public static Adapter random(long seed, DataType type, int rank, int[][] shapes) {
        Random rnd = new Random(seed);
        Map<String, LoraPair> modules = new LinkedHashMap<>();
        for (int i = 0; i < shapes.length; i++) {
            modules.put(
                    "m" + i,
                    new LoraPair(
                            gaussian(rnd, type, 1, rank, shapes[i][1]),
                            gaussian(rnd, type, 1, shapes[i][0], rank)));
        }
        Map<String, INDArray> saved = new LinkedHashMap<>();
        saved.put("head.bias", gaussian(rnd, type, 1, 3));
        saved.put("head.weight", gaussian(rnd, type, 1, 3, 2));
        return new Adapter(modules, rank, 2.0 * rank, List.of("q", "v"), saved);
    }

    /** {@code base} plus {@code N(0, std²)} on every coordinate. */
    public static Adapter perturbed(Adapter base, long seed, double std) {
        Random rnd = new Random(seed);
        return AdapterTensors.map(
                base, (key, t) -> t.add(gaussian(rnd, t.dataType(), std, t.shape())));
    }

    /**
     * An adapter of {@code template}'s layout holding {@code flat}'s values ({@link #flat} order).
     */
    public static Adapter fromFlat(Adapter template, double[] flat) {
        int[] offset = {0};
        return AdapterTensors.map(
                template,
                (key, t) -> {
                    double[] values = new double[(int) t.length()];
                    System.arraycopy(flat, offset[0], values, 0, values.length);
                    offset[0] += values.length;
                    return Nd4j.create(values, t.shape(), DataType.DOUBLE).castTo(t.dataType());
                });
    }

    /** Every value of the adapter, tensor after tensor in {@link AdapterTensors} order, C order. */
    public static double[] flat(Adapter adapter) {
        List<double[]> parts = new ArrayList<>();
        int total = 0;
        for (INDArray t : AdapterTensors.of(adapter).values()) {
            double[] part = t.castTo(DataType.DOUBLE).dup('c').reshape(t.length()).toDoubleVector();
            parts.add(part);
            total += part.length;
        }
        double[] flat = new double[total];
        int offset = 0;
        for (double[] part : parts) {
            System.arraycopy(part, 0, flat, offset, part.length);
            offset += part.length;
        }
        return flat;
    }

    /** A round-{@code round} result of {@code examples} examples, in memory. */
    public static FitResult result(String client, long round, long examples, Adapter adapter) {
        return FitResult.inMemory(client, round, examples, Map.of(), adapter);
    }

    /** The L2 norm of {@code x − y}, by loops. */
    public static double distance(double[] x, double[] y) {
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            sum += (x[i] - y[i]) * (x[i] - y[i]);
        }
        return Math.sqrt(sum);
    }

    public static double maxAbsDiff(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new AssertionError(x.length + " values vs " + y.length);
        }
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            max = Math.max(max, Math.abs(x[i] - y[i]));
        }
        return max;
    }
}
