package io.fedlora.simulation;

import io.fedlora.aggregation.Strategies;
import io.fedlora.aggregation.Strategy;
import io.fedlora.aggregation.StrategySpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Runs a scenario under several strategies and seeds (strategies × seeds runs, each a {@link
 * FederatedLoop} from the same base), for side-by-side comparison. Every run gets a fresh copy of
 * the base and the clients partitioned by its seed; the strategy's client sampling is seeded by it
 * too, unless the spec sets {@code seed} itself.
 */
public final class Experiment {

    /**
     * @param strategies the strategies to compare, by name with their options
     * @param seeds one run per seed and strategy
     * @param loop rounds, local training and evaluation (its seed is replaced by each run's)
     */
    public record Settings(List<StrategySpec> strategies, List<Long> seeds, LoopSettings loop) {
        public Settings {
            strategies = List.copyOf(strategies);
            seeds = List.copyOf(seeds);
            if (strategies.isEmpty() || seeds.isEmpty()) {
                throw new IllegalArgumentException("an experiment needs strategies and seeds");
            }
        }
    }

    private final Scenario scenario;
    private final Settings settings;
    private final Consumer<String> progress;

    /**
     * @param progress receives one line per round of every run
     */
    public Experiment(Scenario scenario, Settings settings, Consumer<String> progress) {
        this.scenario = scenario;
        this.settings = settings;
        this.progress = progress;
    }

    /**
     * Every run, strategies in the given order, seeds within each.
     *
     * @throws IllegalArgumentException for an unknown strategy or option, before any run starts
     */
    public ExperimentResult run() {
        check(settings);
        List<RunResult> runs = new ArrayList<>();
        for (StrategySpec spec : settings.strategies()) {
            for (long seed : settings.seeds()) {
                runs.add(runOne(spec, seed));
            }
        }
        return new ExperimentResult(scenario.description(), settings, runs);
    }

    /**
     * Builds every strategy once, so that an unknown name or option fails before anything runs (or
     * before a scenario spends minutes preparing).
     *
     * @throws IllegalArgumentException naming the bad strategy or option
     */
    public static void check(Settings settings) {
        for (StrategySpec spec : settings.strategies()) {
            for (long seed : settings.seeds()) {
                create(spec, seed);
            }
        }
    }

    private RunResult runOne(StrategySpec spec, long seed) {
        Strategy strategy = create(spec, seed);
        LoopSettings loop = settings.loop().withSeed(seed);
        String label = label(spec);
        return new FederatedLoop(
                        strategy,
                        scenario.clients(seed),
                        scenario.models(),
                        SharedBase.copyOf(scenario.baseWeights()),
                        scenario.lora(),
                        loop)
                .listener(r -> progress.accept(ProgressLines.of(label, seed, loop.rounds(), r)))
                .run()
                .named(label);
    }

    /**
     * How runs of {@code spec} are named in reports: the strategy's name, with its options when it
     * has any ({@code lora-fair[lambda=0.01]}), so one strategy under two settings stays apart.
     */
    static String label(StrategySpec spec) {
        if (spec.options().isEmpty()) {
            return spec.name();
        }
        StringBuilder s = new StringBuilder(spec.name()).append('[');
        new TreeMap<>(spec.options())
                .forEach((k, v) -> s.append(k).append('=').append(v).append(','));
        s.setCharAt(s.length() - 1, ']');
        return s.toString();
    }

    /**
     * The spec's strategy, its client sampling seeded by the run unless the spec says otherwise.
     */
    static Strategy create(StrategySpec spec, long seed) {
        Map<String, String> options = new HashMap<>(spec.options());
        options.putIfAbsent("seed", Long.toString(seed));
        return Strategies.create(new StrategySpec(spec.name(), options));
    }
}
