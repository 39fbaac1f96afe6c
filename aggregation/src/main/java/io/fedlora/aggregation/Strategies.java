package io.fedlora.aggregation;

import io.fedlora.aggregation.fair.LoraFairCorrection;
import io.fedlora.aggregation.robust.CoordinateMedian;
import io.fedlora.aggregation.robust.MultiKrum;
import io.fedlora.aggregation.robust.TrimmedMean;
import io.fedlora.aggregation.server.ServerOptimizers;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Every strategy by name: the one place config files and the command line turn a {@link
 * StrategySpec} into a {@link Strategy}. Options every strategy reads: {@code fraction} (of
 * available clients per round, default 1), {@code min-clients} (default 1), {@code seed} (client
 * sampling, default 0), {@code weighting} ({@code examples} or {@code uniform}). More options:
 * {@code flora}: {@code init-seed} (the fresh A of every round, default 0); {@code hetlora}: {@code
 * prune-gamma} (self-pruning share, default 0 = off) and {@code correction}; {@code nested-rank}:
 * {@code correction} ({@code none}, the default). Every strategy also takes the decorator options
 * of {@link StrategyDecorators} ({@code norm-bound}, {@code dp-*}).
 */
public final class Strategies {

    private static final Map<String, Function<StrategySpec.Reader, Strategy>> FACTORIES =
            new TreeMap<>();

    static {
        FACTORIES.put("fedit", r -> new FedIt(sampler(r), weighting(r)));
        FACTORIES.put("ffa-lora", r -> new FfaLora(sampler(r), weighting(r)));
        FACTORIES.put("flexlora", r -> new FlexLora(sampler(r), weighting(r)));
        FACTORIES.put(
                "flora", r -> new Flora(sampler(r), weighting(r), r.longInteger("init-seed", 0)));
        FACTORIES.put("fedex-lora", r -> new FedExLora(sampler(r), weighting(r)));
        FACTORIES.put(
                "hetlora",
                r ->
                        new HetLora(
                                sampler(r), weighting(r), correction(r), r.real("prune-gamma", 0)));
        FACTORIES.put("nested-rank", r -> new NestedRank(sampler(r), weighting(r), correction(r)));
        FACTORIES.put("median", r -> new CoordinateMedian(sampler(r)));
        FACTORIES.put("trimmed-mean", r -> TrimmedMean.fromOptions(sampler(r), r));
        FACTORIES.put("multi-krum", r -> MultiKrum.fromOptions(sampler(r), weighting(r), r));
        ServerOptimizers.register(FACTORIES); // fedavgm, fedadam, fedyogi, fedadagrad
        FACTORIES.put(
                "lora-fair",
                r ->
                        new FedIt(
                                "lora-fair",
                                sampler(r),
                                weighting(r),
                                new LoraFairCorrection(LoraFairCorrection.Settings.read(r))));
    }

    private Strategies() {}

    /**
     * The strategy {@code spec} names, configured by its options.
     *
     * @throws IllegalArgumentException for an unknown name (listing the known ones), an unknown
     *     option or a malformed value
     */
    public static Strategy create(StrategySpec spec) {
        Function<StrategySpec.Reader, Strategy> factory = FACTORIES.get(spec.name());
        if (factory == null) {
            throw new IllegalArgumentException(
                    "unknown strategy " + spec.name() + "; known: " + String.join(", ", names()));
        }
        StrategySpec.Reader reader = spec.reader();
        Strategy strategy = StrategyDecorators.apply(factory.apply(reader), reader);
        reader.finish();
        return strategy;
    }

    /** The known names, sorted. */
    public static java.util.List<String> names() {
        return java.util.List.copyOf(FACTORIES.keySet());
    }

    static ClientSampler sampler(StrategySpec.Reader r) {
        return new ClientSampler(
                r.real("fraction", 1.0), r.integer("min-clients", 1), r.longInteger("seed", 0));
    }

    /**
     * The {@code correction} option of strategies that average factors (HetLoRA, nested ranks):
     * {@code none} (default).
     */
    static FactorCorrection correction(StrategySpec.Reader r) {
        String name = r.string("correction", "none").trim().toLowerCase(java.util.Locale.ROOT);
        return switch (name) {
            case "none" -> FactorCorrection.NONE;
            case "lora-fair" -> new LoraFairCorrection(LoraFairCorrection.Settings.read(r));
            default ->
                    throw new IllegalArgumentException(
                            "unknown correction " + name + "; known: none, lora-fair");
        };
    }

    static Weighting weighting(StrategySpec.Reader r) {
        return r.choice("weighting", Weighting.class, Weighting.EXAMPLES);
    }
}
