package io.fedlora.simulation;

import io.fedlora.aggregation.BaseUpdate;
import io.fedlora.aggregation.ClientInfo;
import io.fedlora.aggregation.Failure;
import io.fedlora.aggregation.FitInstruction;
import io.fedlora.aggregation.FitOutcome;
import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.aggregation.Strategies;
import io.fedlora.aggregation.Strategy;
import io.fedlora.aggregation.StrategySpec;
import io.fedlora.lora.Adapter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * FedIT as registered, wrapped so a test sees what the loop handed it: the global model each round
 * started from, the accepted results and failures, and the outcome. It can also add a base update
 * to one round's outcome and options to every instruction.
 */
final class RecordingStrategy implements Strategy {

    final Strategy inner = Strategies.create(StrategySpec.of("fedit"));
    final List<GlobalModel> startedFrom = new ArrayList<>();
    final Map<Long, List<FitResult>> results = new HashMap<>();
    final Map<Long, List<Failure>> failures = new HashMap<>();
    final Map<Long, FitOutcome> outcomes = new HashMap<>();
    private final long baseUpdateRound;
    private final BaseUpdate baseUpdate;
    private final Map<String, String> options;

    RecordingStrategy() {
        this(-1, null, Map.of());
    }

    RecordingStrategy(long baseUpdateRound, BaseUpdate baseUpdate, Map<String, String> options) {
        this.baseUpdateRound = baseUpdateRound;
        this.baseUpdate = baseUpdate;
        this.options = options;
    }

    @Override
    public String name() {
        return "recording-fedit";
    }

    @Override
    public GlobalModel initialize(Adapter initial) {
        return inner.initialize(initial);
    }

    @Override
    public List<FitInstruction> configureFit(
            long round, GlobalModel global, List<ClientInfo> available) {
        startedFrom.add(global);
        return inner.configureFit(round, global, available).stream()
                .map(i -> new FitInstruction(i.clientId(), i.round(), i.rank(), options))
                .toList();
    }

    @Override
    public FitOutcome aggregateFit(
            long round, GlobalModel global, List<FitResult> accepted, List<Failure> failed) {
        results.put(round, List.copyOf(accepted));
        failures.put(round, List.copyOf(failed));
        FitOutcome outcome = inner.aggregateFit(round, global, accepted, failed);
        if (round == baseUpdateRound) {
            outcome = new FitOutcome(outcome.adapter(), Optional.of(baseUpdate), outcome.metrics());
        }
        outcomes.put(round, outcome);
        return outcome;
    }
}
