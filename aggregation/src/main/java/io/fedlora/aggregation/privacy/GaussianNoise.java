package io.fedlora.aggregation.privacy;

import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Adds independent {@code N(0, std²)} noise to every coordinate of a tensor. */
final class GaussianNoise {

    private GaussianNoise() {}

    /** {@code x + std·N(0, 1)} element-wise, as a new tensor of {@code x}'s shape and type. */
    static INDArray add(INDArray x, double std, Random random) {
        if (std == 0 || x.isEmpty()) {
            return x.dup();
        }
        long length = x.length();
        if (length > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor of " + length + " values is too large");
        }
        double[] noise = new double[(int) length];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = std * random.nextGaussian();
        }
        INDArray sample = Nd4j.create(noise, x.shape(), DataType.DOUBLE).castTo(x.dataType());
        return x.dup('c').addi(sample);
    }
}
