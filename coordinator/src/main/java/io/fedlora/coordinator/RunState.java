package io.fedlora.coordinator;

import java.util.Locale;

/** Where the coordinator's round state machine is. */
public enum RunState {
    /** Fewer than {@code min-available} workers are admitted; no round runs. */
    WAITING_FOR_WORKERS,
    /** A fit round is out: updates are being collected. */
    TRAINING,
    /** The round's updates are being validated, aggregated and checkpointed. */
    AGGREGATING,
    /** A federated evaluation is out: answers are being collected. */
    EVALUATING,
    /** Paused by an operator: the current round finished, no new one starts until resumed. */
    PAUSED,
    /** Every round ran, or an operator stopped the run after a round. */
    FINISHED;

    /** The name the admin API and the CLI show, e.g. {@code waiting-for-workers}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
