package io.fedlora.aggregation;

/**
 * Keys of {@link FitInstruction#options()} that a client's trainer understands. A strategy only
 * sets what differs from the client's own training configuration.
 */
public final class TrainOptions {

    private TrainOptions() {}

    /** {@code "true"}: lora_A stays at the value the client received (FFA-LoRA). */
    public static final String FREEZE_A = "freeze-lora-a";

    /**
     * The largest rank of nested (DyLoRA) training: each step samples a rank b ≤ this and trains
     * the first b components only.
     */
    public static final String NESTED_RANK_MAX = "nested-rank-max";

    /** FedProx's proximal coefficient μ, pulling the local adapter towards the received one. */
    public static final String PROXIMAL_MU = "proximal-mu";
}
