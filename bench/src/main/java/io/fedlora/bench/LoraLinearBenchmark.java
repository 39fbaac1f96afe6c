package io.fedlora.bench;

import io.fedlora.nn.LoraLinear;
import io.fedlora.nn.Pass;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One training step of a LoRA linear layer (forward, then backward to the input, A and B) against
 * the plain ND4J matmuls a frozen dense layer of the same shape needs for the same step ({@code y =
 * x·Wᵀ} and {@code dx = dy·W}). The ratio of the two is the price of the LoRA path.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class LoraLinearBenchmark {

    /** Tokens in the batch (rows of x). */
    @Param({"512"})
    public int tokens;

    /** Input and output features (a square layer, like an attention projection). */
    @Param({"768"})
    public int features;

    @Param({"16"})
    public int rank;

    private INDArray x;
    private INDArray dy;
    private INDArray w;
    private LoraLinear layer;
    private Random rng;

    @Setup
    public void setUp() {
        Random init = new Random(42);
        x = gaussian(init, tokens, features);
        dy = gaussian(init, tokens, features);
        w = gaussian(init, features, features).muli(1.0 / Math.sqrt(features));
        layer = new LoraLinear("bench", w, null);
        layer.enableLora(rank, 2.0 * rank, 0.0, init);
        // B starts at zero; give it values so the benchmark multiplies real numbers.
        layer.loraB().value().assign(gaussian(init, features, rank).muli(0.01));
        rng = new Random(7);
    }

    @Benchmark
    public INDArray denseMatmul() {
        INDArray y = x.mmul(w.transpose());
        INDArray dx = dy.mmul(w);
        return y.addi(dx);
    }

    @Benchmark
    public INDArray loraForwardBackward() {
        layer.loraA().zeroGrad();
        layer.loraB().zeroGrad();
        INDArray y = layer.forward(x, Pass.train(tokens, rng));
        INDArray dx = layer.backward(dy);
        return y.addi(dx);
    }

    private static INDArray gaussian(Random rng, int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rng.nextGaussian();
        }
        return Nd4j.create(v, new long[] {rows, cols}, DataType.FLOAT);
    }
}
