package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A federated aggregation strategy, shaped like Flower's so that its users recognise it. The same
 * object drives the in-process simulation and the real cluster: the runner (simulation loop or
 * coordinator) asks it whom to train and how, hands it the validated results, and ships what it
 * returns.
 *
 * <p>One round, from the runner's side:
 *
 * <ol>
 *   <li>{@link #configureFit} picks clients among the available ones and writes each a {@link
 *       FitInstruction} (its rank and strategy-specific training options);
 *   <li>each client starts from {@link GlobalModel#clientStart(int)} at its rank and trains;
 *   <li>the runner validates each returned update ({@link UpdateValidator}): rejected ones become
 *       {@link Failure}s, so a strategy only ever sees well-formed, finite updates;
 *   <li>{@link #aggregateFit} builds the next global model, with metrics;
 *   <li>every few rounds {@link #configureEvaluate} / {@link #aggregateEvaluate} run a federated
 *       evaluation, and {@link #evaluate} a server-side one when the strategy has data for it.
 * </ol>
 *
 * <p>Unlike Flower's {@code aggregate_fit}, {@link #aggregateFit} is given the global model the
 * round started from: server optimizers need it for their pseudo-gradient, and passing it keeps a
 * strategy's only hidden state in {@link #state()}, which the coordinator checkpoints.
 */
public interface Strategy {

    /**
     * The name this strategy is chosen by in config and on the command line (e.g. {@code fedit}).
     */
    String name();

    /**
     * The global model of version 0 built from the initial adapter (the strategy may reshape it:
     * pad to its maximum rank, re-initialise A from a shared seed, …).
     */
    GlobalModel initialize(Adapter initial);

    /** Which clients train in {@code round} and how; an empty list skips the round. */
    List<FitInstruction> configureFit(long round, GlobalModel global, List<ClientInfo> available);

    /**
     * The next global model from the round's accepted results. {@code failures} lists clients that
     * were instructed but returned nothing usable (crashed, timed out, rejected by validation).
     *
     * @throws IllegalArgumentException when the results cannot be aggregated at all (for example
     *     none left); the runner reports it and keeps the previous global model
     */
    FitOutcome aggregateFit(
            long round, GlobalModel global, List<FitResult> results, List<Failure> failures);

    /** Which clients evaluate the global model in {@code round}; by default every available one. */
    default List<EvaluateInstruction> configureEvaluate(
            long round, GlobalModel global, List<ClientInfo> available) {
        return available.stream()
                .map(c -> new EvaluateInstruction(c.id(), round, Map.of()))
                .toList();
    }

    /** Federated evaluation summary: means of loss and metrics weighted by example count. */
    default EvaluateSummary aggregateEvaluate(
            long round, List<EvaluateResult> results, List<Failure> failures) {
        return EvaluateSummary.weightedMean(round, results, failures);
    }

    /** A server-side evaluation of the global model, when the strategy has data for one. */
    default Optional<Map<String, Double>> evaluate(long round, GlobalModel global) {
        return Optional.empty();
    }

    /** Server state that must survive a coordinator restart (optimizer moments, accountants). */
    default ServerState state() {
        return ServerState.EMPTY;
    }

    /**
     * Restores what {@link #state()} returned; a stateless strategy accepts only the empty state.
     */
    default void restore(ServerState state) {
        if (!state.isEmpty()) {
            throw new IllegalArgumentException(
                    "strategy " + name() + " keeps no server state but was given " + state);
        }
    }
}
