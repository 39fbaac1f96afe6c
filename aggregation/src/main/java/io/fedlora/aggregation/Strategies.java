package io.fedlora.aggregation;

import io.fedlora.aggregation.fair.LoraFairCorrection;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Every strategy by name: the one place config files and the command line turn a {@link
 * StrategySpec} into a {@link Strategy}. Options every strategy reads: {@code fraction} (of
 * available clients per round, default 1), {@code min-clients} (default 1), {@code seed} (client
 * sampling, default 0), {@code weighting} ({@code examples} or {@code uniform}).
 */
public final class Strategies {

    private static final Map<String, Function<StrategySpec.Reader, Strategy>> FACTORIES =
            new TreeMap<>();

    static {
        FACTORIES.put("fedit", r -> new FedIt(sampler(r), weighting(r)));
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
        Strategy strategy = factory.apply(reader);
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

    static Weighting weighting(StrategySpec.Reader r) {
        return r.choice("weighting", Weighting.class, Weighting.EXAMPLES);
    }
}
