package io.fedlora.simulation;

import io.fedlora.aggregation.FitInstruction;
import io.fedlora.aggregation.TrainOptions;
import io.fedlora.train.TrainConfig;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Applies a {@link FitInstruction}'s strategy-specific options ({@link TrainOptions}) to a client's
 * {@link TrainConfig}. An option the clients cannot honour is an error, not silently ignored: a
 * strategy whose clients quietly train something else would report wrong results.
 */
final class InstructionOptions {

    /** Options the simulated clients understand, for error messages. */
    static final List<String> KNOWN =
            List.of(TrainOptions.FREEZE_A, TrainOptions.NESTED_RANK_MAX, TrainOptions.PROXIMAL_MU);

    private InstructionOptions() {}

    /**
     * Sets the instruction's options on {@code config} (not yet concluded).
     *
     * @throws IllegalArgumentException for an unknown key, a malformed value or a nested rank
     *     outside {@code 1..rank}
     */
    static TrainConfig apply(FitInstruction instruction, TrainConfig config) {
        for (Map.Entry<String, String> e : instruction.options().entrySet()) {
            String key = e.getKey();
            String value = e.getValue().trim();
            switch (key) {
                case TrainOptions.PROXIMAL_MU -> {
                    double mu = number(instruction, key, value);
                    if (!(mu >= 0) || Double.isInfinite(mu)) {
                        throw bad(instruction, key, value, "a finite number >= 0");
                    }
                    config.proximalMu(mu);
                }
                case TrainOptions.NESTED_RANK_MAX -> {
                    int max = integer(instruction, key, value);
                    if (max < 1 || max > instruction.rank()) {
                        throw bad(
                                instruction, key, value, "in 1.." + instruction.rank() + " (rank)");
                    }
                    config.nestedRankMax(max);
                }
                case TrainOptions.FREEZE_A -> config.freezeLoraA(flag(instruction, key, value));
                default ->
                        throw new IllegalArgumentException(
                                "instruction option "
                                        + key
                                        + " is not understood by fedlora clients (known: "
                                        + String.join(", ", KNOWN)
                                        + ")");
            }
        }
        return config;
    }

    private static double number(FitInstruction i, String key, String value) {
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw bad(i, key, value, "a number");
        }
    }

    private static int integer(FitInstruction i, String key, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw bad(i, key, value, "an integer");
        }
    }

    private static boolean flag(FitInstruction i, String key, String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw bad(i, key, value, "true or false");
        };
    }

    private static IllegalArgumentException bad(
            FitInstruction i, String key, String value, String expected) {
        return new IllegalArgumentException(
                "instruction option "
                        + key
                        + "="
                        + value
                        + " for client "
                        + i.clientId()
                        + " must be "
                        + expected);
    }
}
