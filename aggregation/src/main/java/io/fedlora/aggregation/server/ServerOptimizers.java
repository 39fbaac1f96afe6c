package io.fedlora.aggregation.server;

import io.fedlora.aggregation.Strategy;
import io.fedlora.aggregation.StrategySpec;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Registers the server optimizers by name ({@code fedavgm}, {@code fedadam}, {@code fedyogi},
 * {@code fedadagrad}). Each wraps the strategy named by option {@code inner} (default {@code
 * fedit}), built from the same options, so {@code --strategy fedadam --option inner=lora-fair
 * --option fraction=0.1} steps LoRA-FAIR's aggregate with Adam and samples 10% of the clients.
 *
 * <p>Options: {@code server-lr} (η) for all; {@code server-momentum} (β) for FedAvgM; {@code
 * beta1}, {@code tau} for the adaptive ones; {@code beta2} for FedAdam and FedYogi. Defaults in
 * {@link ServerUpdateRule}.
 */
public final class ServerOptimizers {

    private ServerOptimizers() {}

    /** Adds one factory per {@link ServerUpdateRule} to {@code factories}. */
    public static void register(Map<String, Function<StrategySpec.Reader, Strategy>> factories) {
        for (ServerUpdateRule rule : ServerUpdateRule.values()) {
            factories.put(rule.strategyName(), r -> create(rule, r, factories));
        }
    }

    private static Strategy create(
            ServerUpdateRule rule,
            StrategySpec.Reader r,
            Map<String, Function<StrategySpec.Reader, Strategy>> factories) {
        String innerName = r.string("inner", "fedit").trim().toLowerCase(Locale.ROOT);
        for (ServerUpdateRule other : ServerUpdateRule.values()) {
            if (other.strategyName().equals(innerName)) {
                throw new IllegalArgumentException(
                        rule.strategyName()
                                + ": option inner="
                                + innerName
                                + " is itself a server optimizer; name the strategy whose"
                                + " aggregate it steps (e.g. fedit)");
            }
        }
        Function<StrategySpec.Reader, Strategy> innerFactory = factories.get(innerName);
        if (innerFactory == null) {
            throw new IllegalArgumentException(
                    rule.strategyName()
                            + ": unknown inner strategy "
                            + innerName
                            + "; known: "
                            + String.join(", ", new TreeSet<>(factories.keySet())));
        }
        ServerHyperparameters hyper = hyperparameters(rule, r);
        return new ServerOptimizer(rule, hyper, innerFactory.apply(r));
    }

    private static ServerHyperparameters hyperparameters(
            ServerUpdateRule rule, StrategySpec.Reader r) {
        ServerHyperparameters h = rule.defaults();
        h = h.withEta(r.real("server-lr", h.eta()));
        if (!rule.adaptive()) {
            return h.withBeta1(r.real("server-momentum", h.beta1()));
        }
        h = h.withBeta1(r.real("beta1", h.beta1())).withTau(r.real("tau", h.tau()));
        return rule.usesBeta2() ? h.withBeta2(r.real("beta2", h.beta2())) : h;
    }
}
