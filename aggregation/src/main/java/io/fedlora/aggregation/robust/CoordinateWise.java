package io.fedlora.aggregation.robust;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A coordinate-wise order statistic of equally shaped tensors: for every coordinate, the clients'
 * values are sorted and reduced to one ({@link #median}, a trimmed mean, …). Values are read and
 * reduced in double precision and the result is cast back to the first tensor's data type, so a
 * float median is one of the clients' floats exactly.
 */
final class CoordinateWise {

    private CoordinateWise() {}

    /**
     * The tensor whose every coordinate is {@code ofSorted} of the clients' values there, sorted
     * ascending.
     */
    static INDArray reduce(List<INDArray> tensors, ToDoubleFunction<double[]> ofSorted) {
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("no tensors to reduce");
        }
        INDArray first = tensors.get(0);
        int n = tensors.size();
        long length = first.length();
        if (length > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "a tensor of " + length + " values is too large for a coordinate-wise rule");
        }
        double[][] values = new double[n][];
        for (int i = 0; i < n; i++) {
            values[i] = asDoubles(tensors.get(i));
        }
        double[] column = new double[n];
        double[] out = new double[(int) length];
        for (int j = 0; j < out.length; j++) {
            for (int i = 0; i < n; i++) {
                column[i] = values[i][j];
            }
            Arrays.sort(column);
            out[j] = ofSorted.applyAsDouble(column);
        }
        return Nd4j.create(out, first.shape(), DataType.DOUBLE).castTo(first.dataType());
    }

    /** The median of sorted values: the middle one, or the mean of the two middle ones. */
    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The mean of sorted values without the {@code k} smallest and the {@code k} largest. */
    static double trimmedMean(double[] sorted, int k) {
        double sum = 0;
        for (int i = k; i < sorted.length - k; i++) {
            sum += sorted[i];
        }
        return sum / (sorted.length - 2 * k);
    }

    private static double[] asDoubles(INDArray x) {
        if (x.isEmpty()) {
            return new double[0];
        }
        return x.castTo(DataType.DOUBLE).dup('c').reshape(x.length()).toDoubleVector();
    }
}
