package io.fedlora.coordinator;

import io.fedlora.aggregation.FitInstruction;
import io.fedlora.aggregation.FitResult;
import io.fedlora.transport.message.Message;
import io.fedlora.transport.wire.PooledMessage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A fit round in progress: the instructions sent, who has answered, the updates that came in and
 * the pooled buffers behind them (given back by {@link #release()} once the round is aggregated and
 * checkpointed). Owned by the coordinator actor.
 */
final class FitRound {

    /** Before the first round of this coordinator. */
    static final FitRound NONE = new FitRound(0, List.of());

    final long round;
    final List<FitInstruction> instructions;
    final Answers answers;
    private final long startNanos = System.nanoTime();
    private final List<FitResult> received = new ArrayList<>();
    private final List<PooledMessage> buffers = new ArrayList<>();

    FitRound(long round, List<FitInstruction> instructions) {
        this.round = round;
        this.instructions = List.copyOf(instructions);
        this.answers =
                new Answers(
                        round, this.instructions.stream().map(FitInstruction::clientId).toList());
    }

    /**
     * Keeps an update (its arrays stay in {@code buffer} until {@link #release()}). Everything is
     * kept, strangers and duplicates too: the validator counts and refuses them.
     */
    void add(Message.FitResult update, PooledMessage buffer) {
        buffers.add(buffer);
        received.add(
                FitResult.inMemory(
                        update.workerId(),
                        update.round(),
                        update.exampleCount(),
                        update.metrics(),
                        update.update().adapter()));
        answers.answer(update.workerId());
    }

    /** Instructed workers that delivered an update. */
    long delivered() {
        return received.stream()
                .map(FitResult::clientId)
                .distinct()
                .filter(answers::wasAsked)
                .count();
    }

    /** The updates in instruction order (strangers last), so arrival order does not matter. */
    List<FitResult> results() {
        List<String> order = instructions.stream().map(FitInstruction::clientId).toList();
        List<FitResult> sorted = new ArrayList<>(received);
        sorted.sort(
                Comparator.comparingInt(
                        r -> {
                            int k = order.indexOf(r.clientId());
                            return k < 0 ? Integer.MAX_VALUE : k;
                        }));
        return sorted;
    }

    double seconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** Gives every update's arrays back to the pool; the round's results are gone after. */
    void release() {
        buffers.forEach(PooledMessage::close);
        buffers.clear();
        received.clear();
    }
}
