package io.fedlora.aggregation;

import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A strategy chosen by name with its options, as written in config ({@code fedlora.strategy { name
 * = lora-fair, lambda = 0.01 }}) or on the command line ({@code --strategy lora-fair --option
 * lambda=0.01}). {@link Strategies} builds it; every option a factory does not read is an error, so
 * a misspelt key never passes silently.
 */
public record StrategySpec(String name, Map<String, String> options) {

    public StrategySpec {
        Objects.requireNonNull(name, "name");
        name = name.trim().toLowerCase(Locale.ROOT);
        options = Map.copyOf(options);
    }

    public static StrategySpec of(String name) {
        return new StrategySpec(name, Map.of());
    }

    /** Typed access to the options that remembers which keys were read. */
    public Reader reader() {
        return new Reader();
    }

    /** Reads options; {@link #finish()} rejects the ones nobody read. */
    public final class Reader {
        private final Set<String> read = new HashSet<>();

        public String string(String key, String fallback) {
            read.add(key);
            return options.getOrDefault(key, fallback);
        }

        public double real(String key, double fallback) {
            String v = string(key, null);
            if (v == null) {
                return fallback;
            }
            try {
                return Double.parseDouble(v.trim());
            } catch (NumberFormatException e) {
                throw bad(key, v, "a number");
            }
        }

        public int integer(String key, int fallback) {
            String v = string(key, null);
            if (v == null) {
                return fallback;
            }
            try {
                return Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                throw bad(key, v, "an integer");
            }
        }

        public long longInteger(String key, long fallback) {
            String v = string(key, null);
            if (v == null) {
                return fallback;
            }
            try {
                return Long.parseLong(v.trim());
            } catch (NumberFormatException e) {
                throw bad(key, v, "an integer");
            }
        }

        public boolean flag(String key, boolean fallback) {
            String v = string(key, null);
            if (v == null) {
                return fallback;
            }
            return switch (v.trim().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on" -> true;
                case "false", "no", "off" -> false;
                default -> throw bad(key, v, "true or false");
            };
        }

        /** One of an enum's constants, written in lower case with dashes ({@code uniform}). */
        public <E extends Enum<E>> E choice(String key, Class<E> type, E fallback) {
            String v = string(key, null);
            if (v == null) {
                return fallback;
            }
            for (E e : type.getEnumConstants()) {
                if (e.name().replace('_', '-').equalsIgnoreCase(v.trim())) {
                    return e;
                }
            }
            TreeSet<String> known = new TreeSet<>();
            for (E e : type.getEnumConstants()) {
                known.add(e.name().replace('_', '-').toLowerCase(Locale.ROOT));
            }
            throw bad(key, v, "one of " + known);
        }

        /**
         * @throws IllegalArgumentException naming every option that was given but not read
         */
        public void finish() {
            Map<String, String> unknown = new TreeMap<>(options);
            unknown.keySet().removeAll(read);
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException(
                        "strategy "
                                + name
                                + " has no option "
                                + String.join(", ", unknown.keySet())
                                + " (it reads "
                                + new TreeSet<>(read)
                                + ")");
            }
        }

        private IllegalArgumentException bad(String key, String value, String expected) {
            return new IllegalArgumentException(
                    "strategy " + name + ": option " + key + "=" + value + " must be " + expected);
        }
    }
}
