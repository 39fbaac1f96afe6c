package io.fedlora.nn;

import io.fedlora.data.Batch;
import io.fedlora.lora.Adapter;
import java.util.List;
import java.util.Random;

/**
 * A model the local trainer can train: it owns its parameters, runs forward and backward on a
 * batch, and moves its LoRA adapter in and out. Which parameters train is decided by their {@link
 * Parameter#trainable()} flags (all of them for base pre-training; LoRA factors and {@code
 * modules_to_save} for fine-tuning).
 */
public interface TrainableModel {

    /** Every parameter, base and LoRA, in a stable order. */
    List<Parameter> parameters();

    /**
     * Forward and backward pass in training mode (dropout on): adds the gradient of the mean loss
     * over the batch into every trainable parameter's {@link Parameter#grad()}.
     *
     * @param rng source of dropout masks, so that a seeded trainer is deterministic
     * @return the mean loss over the batch, nats
     */
    double forwardBackward(Batch batch, Random rng);

    /** Forward pass in evaluation mode (no dropout, no gradients). */
    EvalStats evaluate(Batch batch);

    /**
     * Restricts every LoRA module to its first {@code b} components (rows of A, columns of B), as
     * nested-rank (DyLoRA) training does; {@code b} equal to the rank restores the full adapter.
     * The scale stays {@code alpha / r}.
     */
    void setActiveRank(int b);

    /** A copy of the current adapter: LoRA factors and {@code modules_to_save}. */
    Adapter exportAdapter();

    /** Loads LoRA factors and {@code modules_to_save}; names and shapes must match. */
    void loadAdapter(Adapter adapter);
}
