package io.fedlora.simulation;

import java.util.Locale;

/** One progress line per finished round, for the command line and logs. */
public final class ProgressLines {

    private ProgressLines() {}

    /**
     * For example {@code [fedit seed 1] round 3/20 6/6 clients loss 0.512 agg-err 0.083 1.9 s
     * accuracy 71.20%}.
     */
    public static String of(String strategy, long seed, int rounds, RoundRecord r) {
        StringBuilder line =
                new StringBuilder(
                        String.format(
                                Locale.ROOT,
                                "[%s seed %d] round %d/%d",
                                strategy,
                                seed,
                                r.round(),
                                rounds));
        if (r.round() > 0) {
            line.append(
                    String.format(
                            Locale.ROOT, "  %d/%d clients", r.accepted().size(), r.instructed()));
            Double loss = r.metrics().get("client_loss");
            if (loss != null) {
                line.append(String.format(Locale.ROOT, "  loss %.3f", loss));
            }
            Double error = r.metrics().get("aggregation_error");
            if (error != null) {
                line.append(String.format(Locale.ROOT, "  agg-err %.3g", error));
            }
        }
        line.append(String.format(Locale.ROOT, "  %.1f s", r.seconds()));
        r.evaluation()
                .ifPresent(
                        e ->
                                line.append(
                                        String.format(
                                                Locale.ROOT,
                                                "  accuracy %.2f%%",
                                                100 * e.meanAccuracy())));
        if (!r.note().isEmpty()) {
            line.append("  (").append(r.note()).append(')');
        }
        int failed = r.failures().size();
        if (failed > 0) {
            line.append(String.format(Locale.ROOT, "  %d failure(s): ", failed));
            line.append(r.failures().get(0).clientId())
                    .append(": ")
                    .append(r.failures().get(0).reason());
            if (failed > 1) {
                line.append(" …");
            }
        }
        return line.toString();
    }
}
