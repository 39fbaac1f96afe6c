package io.fedlora.nn;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Where layers get their base tensors when a model is built: either fresh seeded initialisation
 * (the model owns its base) or an existing base state shared by many models (no copy: thousands of
 * virtual clients read the same arrays). Every tensor handed out is recorded under its dotted name,
 * so a model can export its base state.
 *
 * <p>Seeded initialisation draws each tensor from its own stream, derived from the seed and the
 * tensor's name, so adding a layer does not change the others' values.
 */
public final class WeightSource {

    /** How a fresh tensor is initialised. */
    public enum Init {
        /** Zeros (biases, LayerNorm shift). */
        ZEROS,
        /** Ones (LayerNorm gain). */
        ONES,
        /**
         * Xavier/Glorot uniform for an {@code out × in} weight: bound {@code √(6 / (in + out))}.
         */
        XAVIER_UNIFORM,
        /** Normal with std 0.02 truncated at ±2 std (ViT/GPT-2 embedding initialisation). */
        TRUNC_NORMAL_002
    }

    private final Map<String, INDArray> shared;
    private final long seed;
    private final DataType dataType;
    private final Map<String, INDArray> handedOut = new LinkedHashMap<>();

    private WeightSource(Map<String, INDArray> shared, long seed, DataType dataType) {
        this.shared = shared;
        this.seed = seed;
        this.dataType = dataType;
    }

    /** Fresh tensors of {@code dataType}, initialised from {@code seed}. */
    public static WeightSource seeded(long seed, DataType dataType) {
        return new WeightSource(null, seed, dataType);
    }

    /** The tensors of {@code base}, used as they are (not copied); every name must be present. */
    public static WeightSource shared(Map<String, INDArray> base) {
        if (base.isEmpty()) {
            throw new IllegalArgumentException("base state is empty");
        }
        return new WeightSource(base, 0, base.values().iterator().next().dataType());
    }

    public DataType dataType() {
        return dataType;
    }

    /** True when tensors come from a shared base state rather than fresh initialisation. */
    public boolean isShared() {
        return shared != null;
    }

    /**
     * The tensor called {@code name} of the given shape.
     *
     * @throws IllegalArgumentException if a shared base lacks it or holds another shape or type
     */
    public INDArray tensor(String name, Init init, long... shape) {
        INDArray t;
        if (shared != null) {
            t = shared.get(name);
            if (t == null) {
                throw new IllegalArgumentException("base state has no tensor " + name);
            }
            if (!Arrays.equals(t.shape(), shape)) {
                throw new IllegalArgumentException(
                        "base tensor "
                                + name
                                + " has shape "
                                + Arrays.toString(t.shape())
                                + ", the model needs "
                                + Arrays.toString(shape));
            }
            if (t.dataType() != dataType) {
                throw new IllegalArgumentException(
                        "base tensor " + name + " is " + t.dataType() + ", expected " + dataType);
            }
        } else {
            t = initialise(name, init, shape);
        }
        handedOut.put(name, t);
        return t;
    }

    /** Name → tensor of everything handed out so far, in order (the live arrays). */
    public Map<String, INDArray> handedOut() {
        return handedOut;
    }

    private INDArray initialise(String name, Init init, long[] shape) {
        switch (init) {
            case ZEROS:
                return Nd4j.zeros(dataType, shape);
            case ONES:
                return Nd4j.ones(dataType, shape);
            default:
                break;
        }
        SplittableRandom rng = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * name.hashCode()));
        int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        double[] v = new double[n];
        if (init == Init.XAVIER_UNIFORM) {
            long fanOut = shape[0];
            long fanIn = shape.length > 1 ? shape[1] : 1;
            double bound = Math.sqrt(6.0 / (fanIn + fanOut));
            for (int i = 0; i < n; i++) {
                v[i] = (2 * rng.nextDouble() - 1) * bound;
            }
        } else {
            Random01Normal normal = new Random01Normal(rng);
            for (int i = 0; i < n; i++) {
                double z;
                do {
                    z = normal.next();
                } while (Math.abs(z) > 2);
                v[i] = 0.02 * z;
            }
        }
        return Nd4j.create(v, shape, dataType);
    }

    /** Standard normal draws from a {@link SplittableRandom} (Box–Muller, one value per call). */
    private static final class Random01Normal {
        private final SplittableRandom rng;

        Random01Normal(SplittableRandom rng) {
            this.rng = rng;
        }

        double next() {
            double u = 1 - rng.nextDouble();
            return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextDouble());
        }
    }
}
