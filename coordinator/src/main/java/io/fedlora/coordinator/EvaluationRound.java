package io.fedlora.coordinator;

import io.fedlora.aggregation.EvaluateInstruction;
import io.fedlora.aggregation.EvaluateResult;
import io.fedlora.aggregation.EvaluateSummary;
import io.fedlora.aggregation.Strategy;
import io.fedlora.simulation.Evaluation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A federated evaluation in progress: who was asked, who has answered, and the answers. Owned by
 * the coordinator actor.
 */
final class EvaluationRound {

    /** Before the first evaluation of this coordinator. */
    static final EvaluationRound NONE = new EvaluationRound(0, List.of());

    final long round;
    final List<EvaluateInstruction> instructions;
    final Answers answers;
    private final List<EvaluateResult> results = new ArrayList<>();

    EvaluationRound(long round, List<EvaluateInstruction> instructions) {
        this.round = round;
        this.instructions = List.copyOf(instructions);
        this.answers =
                new Answers(
                        round,
                        this.instructions.stream().map(EvaluateInstruction::clientId).toList());
    }

    /** Keeps an answer; false when the worker was not asked or has answered already. */
    boolean add(EvaluateResult result) {
        if (!answers.answer(result.clientId())) {
            return false;
        }
        results.add(result);
        return true;
    }

    /**
     * The strategy's summary of the answers, taken in instruction order as in simulated runs, with
     * each worker's accuracy and loss.
     */
    Evaluation evaluation(Strategy strategy) {
        List<EvaluateResult> ordered = new ArrayList<>();
        for (EvaluateInstruction i : instructions) {
            results.stream()
                    .filter(r -> r.clientId().equals(i.clientId()))
                    .findFirst()
                    .ifPresent(ordered::add);
        }
        EvaluateSummary summary = strategy.aggregateEvaluate(round, ordered, answers.failures());
        Map<String, Double> accuracy = new LinkedHashMap<>();
        Map<String, Double> loss = new LinkedHashMap<>();
        for (EvaluateResult r : ordered) {
            accuracy.put(r.clientId(), r.metrics().getOrDefault("accuracy", Double.NaN));
            loss.put(r.clientId(), r.loss());
        }
        return new Evaluation(summary, accuracy, loss);
    }

    /** How many workers answered with a result. */
    int answered() {
        return results.size();
    }
}
