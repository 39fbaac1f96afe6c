package io.fedlora.coordinator.run;

import io.fedlora.simulation.Evaluation;
import io.fedlora.simulation.RoundRecord;
import io.fedlora.simulation.report.Csv;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code rounds.csv}: one row per committed round, round 0 first. Columns: {@code round, version,
 * instructed, accepted, failed} (counts), {@code accuracy, loss} (the federated evaluation's
 * example-weighted means, empty when the round was not evaluated), then every round metric by name
 * in order of first appearance (empty where a round lacks it), then {@code seconds, note}. A metric
 * whose name is one of the fixed columns is headed {@code metric_<name>}. Numbers and quoting are
 * those of the simulation's {@code results.csv} ({@link Csv}).
 */
final class RoundsCsv {

    static final String NAME = "rounds.csv";

    private static final List<String> LEADING =
            List.of("round", "version", "instructed", "accepted", "failed", "accuracy", "loss");
    private static final List<String> TRAILING = List.of("seconds", "note");

    private RoundsCsv() {}

    static String of(List<RoundRecord> records) {
        Set<String> metrics = new LinkedHashSet<>();
        records.forEach(r -> metrics.addAll(r.metrics().keySet()));
        StringBuilder csv = new StringBuilder(String.join(",", LEADING));
        for (String m : metrics) {
            boolean clash = LEADING.contains(m) || TRAILING.contains(m);
            csv.append(',').append(Csv.field(clash ? "metric_" + m : m));
        }
        csv.append(',').append(String.join(",", TRAILING)).append('\n');
        for (RoundRecord r : records) {
            csv.append(r.round())
                    .append(',')
                    .append(r.version())
                    .append(',')
                    .append(r.instructed())
                    .append(',')
                    .append(r.accepted().size())
                    .append(',')
                    .append(r.failures().size())
                    .append(',')
                    .append(r.evaluation().map(e -> Csv.number(e.meanAccuracy())).orElse(""))
                    .append(',')
                    .append(r.evaluation().map(RoundsCsv::meanLoss).orElse(""));
            for (String m : metrics) {
                Double v = r.metrics().get(m);
                csv.append(',').append(v == null ? "" : Csv.number(v));
            }
            csv.append(',')
                    .append(Csv.number(r.seconds()))
                    .append(',')
                    .append(Csv.field(r.note()))
                    .append('\n');
        }
        return csv.toString();
    }

    private static String meanLoss(Evaluation e) {
        return Csv.number(e.meanLoss());
    }
}
