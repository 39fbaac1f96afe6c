package io.fedlora.lora;

import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

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
}
