package io.fedlora.simulation;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * ND4J's thread settings for simulations. The simulated models are small: splitting each of their
 * ops over several threads costs more in hand-offs (and in OpenMP threads spinning against each
 * other on a busy machine) than it gains, so running each op on one thread and several clients at
 * once ({@link LoopSettings#parallelism()}) uses the cores far better. Measured on two cores: a
 * LoRA step of the Fashion-MNIST ViT at batch 32 took about 100 ms with two threads per op and
 * about 35 ms with one.
 */
public final class OpThreads {

    private OpThreads() {}

    /** Every ND4J op (OpenMP loops, BLAS calls) on the calling process runs on one thread. */
    public static void oneThreadPerOp() {
        Nd4j.getExecutioner(); // loads the native backend before it is configured
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(1);
        Nd4j.getEnvironment().setMaxMasterThreads(1);
        Nd4j.getEnvironment().setMaxThreads(1);
        Nd4j.factory().blas().setMaxThreads(1);
    }
}
