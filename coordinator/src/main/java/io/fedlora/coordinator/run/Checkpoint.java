package io.fedlora.coordinator.run;

import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.aggregation.ServerState;
import io.fedlora.simulation.RoundRecord;
import java.util.List;
import java.util.Objects;

/**
 * Everything a coordinator needs to go on after round {@code round}: the global model the next
 * round starts from, the strategy's state, and the round's record.
 *
 * @param round 0 for the initial model, then 1, 2, …
 * @param global the global model after the round; its version is the record's
 * @param serverState the strategy's state after the round
 * @param record what happened in the round
 * @param updates the round's accepted client updates, in acceptance order, kept only when the
 *     coordinator is configured to keep them ({@code fedlora.coordinator.keep-updates}); empty
 *     otherwise
 */
public record Checkpoint(
        long round,
        GlobalModel global,
        ServerState serverState,
        RoundRecord record,
        List<FitResult> updates) {

    public Checkpoint {
        Objects.requireNonNull(global, "global");
        Objects.requireNonNull(serverState, "serverState");
        Objects.requireNonNull(record, "record");
        updates = List.copyOf(updates);
        if (round < 0) {
            throw new IllegalArgumentException("round must be >= 0, got " + round);
        }
        if (record.round() != round) {
            throw new IllegalArgumentException(
                    "checkpoint of round "
                            + round
                            + " holds the record of round "
                            + record.round());
        }
        if (record.version() != global.version()) {
            throw new IllegalArgumentException(
                    "round "
                            + round
                            + ": the record says version "
                            + record.version()
                            + " but the global model is version "
                            + global.version());
        }
        for (FitResult u : updates) {
            if (u.round() != round) {
                throw new IllegalArgumentException(
                        "checkpoint of round "
                                + round
                                + " holds an update of round "
                                + u.round()
                                + " from "
                                + u.clientId());
            }
        }
    }
}
