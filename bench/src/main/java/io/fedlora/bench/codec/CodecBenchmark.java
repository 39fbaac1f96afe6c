package io.fedlora.bench.codec;

import io.fedlora.codec.TensorCodec;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH: encode and decode one 4096 × 1024 fp32 matrix (16 MiB) with each {@link TensorCodec}, beside
 * a direct-memory copy of the same 16 MiB as the baseline. {@code decode} allocates a new array
 * every time; {@code decodeInto} overwrites one array allocated in setup, like the memcpy baseline
 * overwrites its target. Divide 16 MiB by the average time for GB/s. Run: {@code java -cp <bench
 * classpath> org.openjdk.jmh.Main CodecBenchmark} with the repository's JVM flags.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/java.nio=ALL-UNNAMED"
        })
public class CodecBenchmark {

    private static final int ROWS = 4096;
    private static final int COLS = 1024;

    @Param({"FP32", "BF16", "INT8"})
    public TensorCodec codec;

    private INDArray matrix;
    private ByteBuffer encoded;
    private UnsafeBuffer copySource;
    private UnsafeBuffer copyTarget;
    private INDArray decodeTarget;

    @Setup
    public void setUp() {
        SplittableRandom rnd = new SplittableRandom(1);
        float[] v = new float[ROWS * COLS];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        matrix = Nd4j.create(v, new long[] {ROWS, COLS});
        encoded = ByteBuffer.allocateDirect((int) codec.encodedBytes(ROWS, COLS));
        codec.encode(matrix, encoded.clear());
        copySource = new UnsafeBuffer(ByteBuffer.allocateDirect(ROWS * COLS * 4));
        copyTarget = new UnsafeBuffer(ByteBuffer.allocateDirect(ROWS * COLS * 4));
        decodeTarget = Nd4j.createUninitialized(DataType.FLOAT, ROWS, COLS);
    }

    @Benchmark
    public ByteBuffer encode() {
        ByteBuffer out = encoded.clear();
        codec.encode(matrix, out);
        return out;
    }

    @Benchmark
    public INDArray decode() {
        return codec.decode(encoded.clear(), ROWS, COLS);
    }

    @Benchmark
    public INDArray decodeInto() {
        return codec.decodeInto(encoded.clear(), decodeTarget);
    }

    /** The baseline: copying the fp32 bytes once, direct to direct. */
    @Benchmark
    public UnsafeBuffer memcpy() {
        copyTarget.putBytes(0, copySource, 0, ROWS * COLS * 4);
        return copyTarget;
    }
}
