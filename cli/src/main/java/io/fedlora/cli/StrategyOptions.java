package io.fedlora.cli;

import io.fedlora.aggregation.StrategySpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --option key=value} arguments turned into strategy specs. With several strategies, {@code
 * name.key=value} (e.g. {@code lora-fair.lambda=0.01}) goes to that strategy only and a plain
 * {@code key=value} to all of them, since each strategy rejects options it does not read.
 */
final class StrategyOptions {

    private StrategyOptions() {}

    /** A spec per strategy name, in order, with the options that apply to it. */
    static List<StrategySpec> specs(List<String> names, List<String> options) {
        List<StrategySpec> specs = new ArrayList<>();
        for (String name : names) {
            String strategy = name.trim().toLowerCase(Locale.ROOT);
            if (strategy.isEmpty()) {
                throw new IllegalArgumentException("empty strategy name in the strategy list");
            }
            Map<String, String> mine = new LinkedHashMap<>();
            for (String option : options) {
                int eq = option.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException(
                            "option " + option + " must be key=value (or strategy.key=value)");
                }
                String key = option.substring(0, eq).trim();
                String value = option.substring(eq + 1).trim();
                int dot = key.indexOf('.');
                if (dot < 0) {
                    mine.put(key, value);
                } else if (key.substring(0, dot).equalsIgnoreCase(strategy)) {
                    mine.put(key.substring(dot + 1), value);
                } else if (!names.stream()
                        .anyMatch(n -> n.trim().equalsIgnoreCase(key.substring(0, dot)))) {
                    throw new IllegalArgumentException(
                            "option "
                                    + option
                                    + " names strategy "
                                    + key.substring(0, dot)
                                    + ", which is not among "
                                    + names);
                }
            }
            specs.add(new StrategySpec(strategy, mine));
        }
        return specs;
    }
}
