package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * A test strategy with a given name whose aggregation is a function of the global model and the
 * results; it records the results it was given, so decorators' effects can be inspected.
 */
public final class ScriptedStrategy implements Strategy {

    private final String name;
    private final BiFunction<GlobalModel, List<FitResult>, FitOutcome> aggregation;
    public final List<List<FitResult>> seen = new ArrayList<>();

    public ScriptedStrategy(
            String name, BiFunction<GlobalModel, List<FitResult>, FitOutcome> aggregation) {
        this.name = name;
        this.aggregation = aggregation;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public GlobalModel initialize(Adapter initial) {
        return GlobalModel.initial(initial);
    }

    @Override
    public List<FitInstruction> configureFit(
            long round, GlobalModel global, List<ClientInfo> available) {
        return available.stream()
                .map(
                        c ->
                                new FitInstruction(
                                        c.id(), round, global.adapter().rank(), java.util.Map.of()))
                .toList();
    }

    @Override
    public FitOutcome aggregateFit(
            long round, GlobalModel global, List<FitResult> results, List<Failure> failures) {
        seen.add(List.copyOf(results));
        return aggregation.apply(global, results);
    }
}
