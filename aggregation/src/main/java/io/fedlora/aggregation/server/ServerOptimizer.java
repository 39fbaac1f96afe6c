package io.fedlora.aggregation.server;

import io.fedlora.aggregation.AdapterTensors;
import io.fedlora.aggregation.Failure;
import io.fedlora.aggregation.FitOutcome;
import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.ForwardingStrategy;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.aggregation.ServerState;
import io.fedlora.aggregation.Strategy;
import io.fedlora.lora.Adapter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A server optimizer on the adapter's pseudo-gradient (Reddi et al., "Adaptive Federated
 * Optimization", ICLR 2021), wrapping any strategy: the inner strategy aggregates as it always
 * does, {@code Δ = aggregate − x} is taken over every {@code lora_A}, {@code lora_B} and saved
 * tensor of the global adapter {@code x}, and the next global adapter is {@code x} plus the {@link
 * ServerUpdateRule}'s step. Client selection and evaluation stay the inner strategy's.
 *
 * <p>The step is only meaningful when consecutive global adapters live in the same coordinates. It
 * refuses inner strategies that re-factor the adapter every round (FlexLoRA's SVD, whose signs and
 * rotations are arbitrary; FLoRA's fresh adapter) at construction, and any outcome that comes with
 * a base update or another layout at the round it appears.
 *
 * <p>State: the moments and step count ({@link ServerMoments}) under {@code server.}, the inner
 * strategy's under {@code inner.}.
 */
public final class ServerOptimizer extends ForwardingStrategy {

    /**
     * Strategies known to break the step, and why: refused at construction. Others that do the same
     * are caught at their first round by {@link #requireSameLayout}.
     */
    static final Map<String, String> INCOMPATIBLE =
            Map.of(
                    "flora",
                    "it merges every round into the base model and starts a fresh adapter",
                    "flexlora",
                    "it re-factors the global adapter by SVD every round, with arbitrary signs"
                            + " and rotations",
                    "fedex-lora",
                    "it moves part of every round's update into the base model");

    private final ServerUpdateRule rule;
    private final ServerHyperparameters hyper;
    private final ServerMoments moments;

    /**
     * @throws IllegalArgumentException for hyper-parameters the rule cannot use, or an inner
     *     strategy that re-factors the adapter every round
     */
    public ServerOptimizer(ServerUpdateRule rule, ServerHyperparameters hyper, Strategy inner) {
        super(inner);
        rule.validate(hyper);
        String reason = INCOMPATIBLE.get(inner.name());
        if (reason != null) {
            throw new IllegalArgumentException(
                    "server optimizer "
                            + rule.strategyName()
                            + " cannot wrap "
                            + inner.name()
                            + ": "
                            + reason
                            + ", so the difference of two global adapters is not a"
                            + " pseudo-gradient");
        }
        this.rule = rule;
        this.hyper = hyper;
        this.moments = new ServerMoments(rule.adaptive());
    }

    /** The paper's defaults for {@code rule}. */
    public ServerOptimizer(ServerUpdateRule rule, Strategy inner) {
        this(rule, rule.defaults(), inner);
    }

    /** A fresh optimizer of the same rule and hyper-parameters around another inner strategy. */
    public ServerOptimizer withInner(Strategy replacement) {
        return new ServerOptimizer(rule, hyper, replacement);
    }

    public ServerUpdateRule rule() {
        return rule;
    }

    public ServerHyperparameters hyperparameters() {
        return hyper;
    }

    @Override
    public String name() {
        return rule.strategyName();
    }

    @Override
    protected String statePrefix() {
        return "server";
    }

    @Override
    public FitOutcome aggregateFit(
            long round, GlobalModel global, List<FitResult> results, List<Failure> failures) {
        FitOutcome aggregated = inner().aggregateFit(round, global, results, failures);
        requireSameLayout("server optimizer " + name(), round, global, aggregated);
        Adapter x = global.adapter();
        Map<String, INDArray> parameters = AdapterTensors.of(x);
        Map<String, INDArray> targets = AdapterTensors.of(aggregated.adapter());
        moments.ensureFor(parameters, rule.initialSecondMoment(hyper));
        double[] squaredNorms = new double[2];
        Adapter next =
                AdapterTensors.map(
                        x,
                        (key, current) -> {
                            INDArray delta =
                                    targets.get(key).castTo(current.dataType()).sub(current);
                            rule.accumulate(moments.m(key), moments.v(key), delta, hyper);
                            INDArray step = rule.step(moments.m(key), moments.v(key), hyper);
                            squaredNorms[0] += AdapterTensors.squaredNorm(delta);
                            squaredNorms[1] += AdapterTensors.squaredNorm(step);
                            return current.add(step);
                        });
        moments.advance();
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("server.step", (double) moments.step());
        metrics.put("server.pseudo-gradient-norm", Math.sqrt(squaredNorms[0]));
        metrics.put("server.update-norm", Math.sqrt(squaredNorms[1]));
        return aggregated.withAdapter(next).withMetrics(metrics);
    }

    @Override
    protected ServerState ownState() {
        return moments.toState();
    }

    @Override
    protected void restoreOwn(ServerState own) {
        moments.restore(own);
    }
}
