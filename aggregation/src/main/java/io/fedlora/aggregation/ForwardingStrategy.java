package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A strategy that wraps another and changes part of what it does (server optimizers, norm bounds,
 * differential privacy): everything it does not override goes to the inner strategy.
 *
 * <p>State nests, so a decorated strategy checkpoints and resumes like any other: {@link #state()}
 * holds this decorator's own values and tensors under {@code <statePrefix>.} and the inner
 * strategy's whole state under {@code inner.}; {@link #restore} splits them again.
 */
public abstract class ForwardingStrategy implements Strategy {

    private static final String INNER = "inner.";

    private final Strategy inner;

    protected ForwardingStrategy(Strategy inner) {
        this.inner = Objects.requireNonNull(inner, "inner strategy");
    }

    /** The wrapped strategy. */
    public Strategy inner() {
        return inner;
    }

    /** The inner strategy's name: a decorator chosen by option does not rename what it wraps. */
    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public GlobalModel initialize(Adapter initial) {
        return inner.initialize(initial);
    }

    @Override
    public List<FitInstruction> configureFit(
            long round, GlobalModel global, List<ClientInfo> available) {
        return inner.configureFit(round, global, available);
    }

    @Override
    public FitOutcome aggregateFit(
            long round, GlobalModel global, List<FitResult> results, List<Failure> failures) {
        return inner.aggregateFit(round, global, results, failures);
    }

    @Override
    public List<EvaluateInstruction> configureEvaluate(
            long round, GlobalModel global, List<ClientInfo> available) {
        return inner.configureEvaluate(round, global, available);
    }

    @Override
    public EvaluateSummary aggregateEvaluate(
            long round, List<EvaluateResult> results, List<Failure> failures) {
        return inner.aggregateEvaluate(round, results, failures);
    }

    @Override
    public Optional<Map<String, Double>> evaluate(long round, GlobalModel global) {
        return inner.evaluate(round, global);
    }

    /** The prefix of this decorator's own state keys, e.g. {@code server} or {@code dp}. */
    protected abstract String statePrefix();

    /** This decorator's own state, without prefix; none by default. */
    protected ServerState ownState() {
        return ServerState.EMPTY;
    }

    /** Restores what {@link #ownState()} returned; a stateless decorator accepts only nothing. */
    protected void restoreOwn(ServerState own) {
        if (!own.isEmpty()) {
            throw new IllegalArgumentException(
                    "decorator " + statePrefix() + " keeps no server state but was given " + own);
        }
    }

    @Override
    public final ServerState state() {
        ServerState own = ownState();
        ServerState wrapped = inner.state();
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        Map<String, String> values = new LinkedHashMap<>();
        String prefix = statePrefix() + ".";
        own.tensors().forEach((k, t) -> tensors.put(prefix + k, t));
        own.values().forEach((k, v) -> values.put(prefix + k, v));
        wrapped.tensors().forEach((k, t) -> tensors.put(INNER + k, t));
        wrapped.values().forEach((k, v) -> values.put(INNER + k, v));
        return new ServerState(tensors, values);
    }

    @Override
    public final void restore(ServerState state) {
        String prefix = statePrefix() + ".";
        Map<String, INDArray> ownTensors = new LinkedHashMap<>();
        Map<String, INDArray> innerTensors = new LinkedHashMap<>();
        Map<String, String> ownValues = new LinkedHashMap<>();
        Map<String, String> innerValues = new LinkedHashMap<>();
        state.tensors().forEach((k, t) -> route(k, t, prefix, ownTensors, innerTensors));
        state.values().forEach((k, v) -> route(k, v, prefix, ownValues, innerValues));
        inner.restore(new ServerState(innerTensors, innerValues));
        restoreOwn(new ServerState(ownTensors, ownValues));
    }

    private <T> void route(
            String key, T value, String prefix, Map<String, T> own, Map<String, T> wrapped) {
        if (key.startsWith(prefix)) {
            own.put(key.substring(prefix.length()), value);
        } else if (key.startsWith(INNER)) {
            wrapped.put(key.substring(INNER.length()), value);
        } else {
            throw new IllegalArgumentException(
                    "server state key "
                            + key
                            + " belongs neither to "
                            + statePrefix()
                            + " nor to its inner strategy "
                            + inner.name());
        }
    }

    /**
     * Throws unless the inner strategy's outcome is a plain next adapter of the global one's
     * layout: no base update, same modules, shapes, rank and alpha. Decorators that treat {@code
     * outcome − global} as a step in parameter space (server optimizers, noise) are meaningless for
     * strategies that re-initialise the adapter or merge into the base (FLoRA) or change ranks.
     *
     * @param what this decorator, for the message (e.g. {@code server optimizer fedadam})
     */
    protected final void requireSameLayout(
            String what, long round, GlobalModel global, FitOutcome outcome) {
        if (outcome.baseUpdate().isPresent()) {
            throw new IllegalArgumentException(
                    what
                            + " cannot wrap "
                            + inner.name()
                            + ": in round "
                            + round
                            + " it changed the base model (a base update), so the new adapter is"
                            + " not a step from the previous one");
        }
        try {
            global.adapter().layout().requireMatches(outcome.adapter());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    what
                            + " cannot wrap "
                            + inner.name()
                            + ": in round "
                            + round
                            + " it changed the global adapter's layout ("
                            + e.getMessage()
                            + ")");
        }
    }
}
