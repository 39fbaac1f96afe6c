package io.fedlora.nn;

import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A named tensor of a model with its gradient. Frozen parameters (base weights during LoRA
 * fine-tuning) never allocate a gradient, so a frozen base costs no extra memory per client.
 */
public final class Parameter {

    private final String name;
    private final INDArray value;
    private INDArray grad;
    private boolean trainable;

    public Parameter(String name, INDArray value, boolean trainable) {
        this.name = Objects.requireNonNull(name);
        this.value = Objects.requireNonNull(value);
        this.trainable = trainable;
    }

    /** Dotted path inside the model, e.g. {@code blocks.0.attn.q.lora_A}. */
    public String name() {
        return name;
    }

    /** The live value; optimisers update it in place. */
    public INDArray value() {
        return value;
    }

    public boolean trainable() {
        return trainable;
    }

    public void setTrainable(boolean trainable) {
        this.trainable = trainable;
        if (!trainable) {
            grad = null;
        }
    }

    /**
     * The accumulated gradient, same shape as the value, allocated (as zeros) on first use.
     *
     * @throws IllegalStateException if the parameter is frozen
     */
    public INDArray grad() {
        if (!trainable) {
            throw new IllegalStateException("parameter " + name + " is frozen and has no gradient");
        }
        if (grad == null) {
            grad = Nd4j.zeros(value.dataType(), value.shape());
        }
        return grad;
    }

    /** Sets the gradient to zero (no-op for frozen parameters). */
    public void zeroGrad() {
        if (grad != null) {
            grad.assign(0);
        }
    }

    /** Copies {@code source} into the value; shapes must match. */
    public void assign(INDArray source) {
        if (!java.util.Arrays.equals(source.shape(), value.shape())) {
            throw new IllegalArgumentException(
                    "parameter "
                            + name
                            + " has shape "
                            + java.util.Arrays.toString(value.shape())
                            + ", got "
                            + java.util.Arrays.toString(source.shape()));
        }
        value.assign(source);
    }

    @Override
    public String toString() {
        return name + java.util.Arrays.toString(value.shape()) + (trainable ? "" : " (frozen)");
    }
}
