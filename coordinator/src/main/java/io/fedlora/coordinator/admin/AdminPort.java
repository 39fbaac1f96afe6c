package io.fedlora.coordinator.admin;

import io.fedlora.simulation.RoundRecord;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * What the admin API and the dashboard can see and do of a running coordinator. The coordinator
 * answers from its actor, so every view is a consistent snapshot.
 */
public interface AdminPort {

    /** The run as a whole: round, state, workers, counts. */
    CompletionStage<RunStatus> status();

    /** Every admitted worker with its capacity and last heartbeat. */
    CompletionStage<List<WorkerStatus>> workers();

    /** Every completed round, oldest first (round 0 is the initial model's evaluation). */
    CompletionStage<List<RoundRecord>> rounds();

    /** No new round starts until {@link #resume}; the current round finishes. */
    CompletionStage<ControlReply> pause();

    CompletionStage<ControlReply> resume();

    /** The run ends after the current round, checkpointed as usual. */
    CompletionStage<ControlReply> stopAfterRound();

    /** The directory of the current global adapter (PEFT layout), once one is checkpointed. */
    Optional<Path> currentAdapter();
}
