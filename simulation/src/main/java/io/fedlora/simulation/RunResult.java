package io.fedlora.simulation;

import io.fedlora.aggregation.GlobalModel;
import io.fedlora.aggregation.UpdateValidator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A finished simulated run: every round's record (round 0 first), the final global model, and the
 * validator's rejection counts by reason.
 *
 * @param strategy the strategy's name, or the experiment's label for it (name and options)
 */
public record RunResult(
        String strategy,
        long seed,
        List<RoundRecord> rounds,
        GlobalModel global,
        Map<UpdateValidator.Rejection, Long> rejections,
        double seconds) {

    public RunResult {
        rounds = List.copyOf(rounds);
        rejections = Map.copyOf(rejections);
    }

    /** The same run under another name (an experiment tells runs of one strategy apart). */
    public RunResult named(String name) {
        return new RunResult(name, seed, rounds, global, rejections, seconds);
    }

    /** The last evaluation of the run, if any round was evaluated. */
    public Optional<Evaluation> finalEvaluation() {
        for (int i = rounds.size() - 1; i >= 0; i--) {
            if (rounds.get(i).evaluation().isPresent()) {
                return rounds.get(i).evaluation();
            }
        }
        return Optional.empty();
    }
}
