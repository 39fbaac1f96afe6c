package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import java.util.Objects;
import java.util.Optional;

/**
 * The server's model after a round: the global adapter every client starts from, plus — for
 * strategies that change the frozen base (FLoRA, FedEx-LoRA) — the base update that leads from the
 * previous version to this one. A client holding the base of version {@code v-1} applies {@link
 * #baseUpdate()} of version {@code v} before loading the adapter.
 *
 * @param version 0 for the initial model, then one more per aggregated round
 * @param adapter the global adapter, at the strategy's largest rank
 * @param baseUpdate the change to base weights made when this version was built, if any
 */
public record GlobalModel(long version, Adapter adapter, Optional<BaseUpdate> baseUpdate) {

    public GlobalModel {
        Objects.requireNonNull(adapter, "adapter");
        Objects.requireNonNull(baseUpdate, "baseUpdate");
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, got " + version);
        }
    }

    /** The initial model: version 0, no base update. */
    public static GlobalModel initial(Adapter adapter) {
        return new GlobalModel(0, adapter, Optional.empty());
    }

    /** The next version built from a round's outcome. */
    public GlobalModel next(FitOutcome outcome) {
        return new GlobalModel(version + 1, outcome.adapter(), outcome.baseUpdate());
    }

    /**
     * The adapter a client of rank {@code rank} starts from: the global adapter itself at its own
     * rank, or its first {@code rank} components (with the scale kept, see {@link
     * Adapter#truncate(int)}) for a smaller client.
     *
     * @throws IllegalArgumentException when {@code rank} exceeds the global adapter's rank
     */
    public Adapter clientStart(int rank) {
        if (rank == adapter.rank()) {
            return adapter;
        }
        if (rank > adapter.rank()) {
            throw new IllegalArgumentException(
                    "a client of rank "
                            + rank
                            + " cannot start from a global adapter of rank "
                            + adapter.rank());
        }
        return adapter.truncate(rank);
    }
}
