package io.fedlora.lora;

import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The two factors of one LoRA module, in HF PEFT's layout: {@code a} is {@code r × in} and {@code
 * b} is {@code out × r}, so the module's weight update is {@code ΔW = scale · b · a} ({@code out ×
 * in}) with {@code scale = alpha / r} held by the enclosing {@link Adapter}.
 *
 * <p>A pair takes ownership of its arrays: callers must not mutate them afterwards. Operations that
 * change a pair return a new one.
 */
public record LoraPair(INDArray a, INDArray b) {

    public LoraPair {
        Objects.requireNonNull(a, "lora_A");
        Objects.requireNonNull(b, "lora_B");
        if (a.rank() != 2 || b.rank() != 2) {
            throw new IllegalArgumentException(
                    "lora_A and lora_B must be matrices, got ranks "
                            + a.rank()
                            + " and "
                            + b.rank());
        }
        if (a.rows() != b.columns()) {
            throw new IllegalArgumentException(
                    "lora_A is "
                            + a.rows()
                            + "×"
                            + a.columns()
                            + " but lora_B is "
                            + b.rows()
                            + "×"
                            + b.columns()
                            + ": A's rows must equal B's columns (the rank)");
        }
    }

    /** The rank r: rows of A, columns of B. */
    public int rank() {
        return (int) a.rows();
    }

    /** Input features of the adapted linear layer (columns of A). */
    public int inFeatures() {
        return (int) a.columns();
    }

    /** Output features of the adapted linear layer (rows of B). */
    public int outFeatures() {
        return (int) b.rows();
    }

    /**
     * The dense update {@code scale · B · A}, {@code out × in}, in the factors' data type. Meant
     * for small shapes (tests, merging into a base weight); aggregation works on the factors.
     */
    public INDArray deltaW(double scale) {
        return b.mmul(a).muli(scale);
    }

    /**
     * The first {@code k} rank components: rows {@code 0..k-1} of A and columns {@code 0..k-1} of
     * B, copied. With the same scale, {@code B'·A'} is the sum of the first k outer products {@code
     * b_j·a_jᵀ} of {@code B·A}.
     *
     * @throws IllegalArgumentException unless {@code 1 ≤ k ≤ rank()}
     */
    public LoraPair truncate(int k) {
        if (k < 1 || k > rank()) {
            throw new IllegalArgumentException(
                    "cannot truncate a rank-" + rank() + " pair to rank " + k);
        }
        return new LoraPair(
                a.get(NDArrayIndex.interval(0, k), NDArrayIndex.all()).dup(),
                b.get(NDArrayIndex.all(), NDArrayIndex.interval(0, k)).dup());
    }

    /**
     * This pair grown to rank {@code k} with zero rows appended to A and zero columns appended to
     * B, so that {@code B'·A' = B·A}.
     *
     * @throws IllegalArgumentException unless {@code k ≥ rank()}
     */
    public LoraPair zeroPad(int k) {
        if (k < rank()) {
            throw new IllegalArgumentException(
                    "cannot zero-pad a rank-" + rank() + " pair to the smaller rank " + k);
        }
        INDArray paddedA = Nd4j.zeros(a.dataType(), k, a.columns());
        paddedA.put(new INDArrayIndex[] {NDArrayIndex.interval(0, rank()), NDArrayIndex.all()}, a);
        INDArray paddedB = Nd4j.zeros(b.dataType(), b.rows(), k);
        paddedB.put(new INDArrayIndex[] {NDArrayIndex.all(), NDArrayIndex.interval(0, rank())}, b);
        return new LoraPair(paddedA, paddedB);
    }

    /** True when no element of A or B is NaN or infinite. */
    public boolean allFinite() {
        return Tensors.allFinite(a) && Tensors.allFinite(b);
    }
}
