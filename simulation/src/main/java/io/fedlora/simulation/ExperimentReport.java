package io.fedlora.simulation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fedlora.aggregation.Failure;
import io.fedlora.peft.AtomicFiles;
import io.fedlora.simulation.report.Csv;
import io.fedlora.simulation.report.LineChart;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes an experiment's files into a run directory: {@value #RESULTS_CSV} (one row per evaluated
 * round of every run: strategy, seed, round, mean accuracy and loss, then each client's accuracy),
 * {@value #RESULTS_JSON} (everything: settings, every round's metrics, failures and evaluations),
 * {@value #SUMMARY_CSV} (per strategy: mean ± sd of the final accuracy over seeds, and the initial
 * model's accuracy) and {@value #CHART} (mean accuracy per round, one line per strategy).
 */
public final class ExperimentReport {

    public static final String RESULTS_CSV = "results.csv";
    public static final String RESULTS_JSON = "results.json";
    public static final String SUMMARY_CSV = "summary.csv";
    public static final String CHART = "accuracy.svg";

    /** One strategy's figures over its seeds; accuracies in [0, 1]. */
    public record Row(String strategy, int seeds, MeanSd initialAccuracy, MeanSd finalAccuracy) {}

    private ExperimentReport() {}

    /** Writes the four files (each atomically) and returns their paths. */
    public static List<Path> write(Path dir, ExperimentResult result) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        written.add(writeAtomically(dir.resolve(RESULTS_CSV), resultsCsv(result)));
        written.add(writeAtomically(dir.resolve(SUMMARY_CSV), summaryCsv(summary(result))));
        Path json = dir.resolve(RESULTS_JSON);
        written.add(
                writeAtomically(
                        json,
                        new ObjectMapper()
                                .enable(SerializationFeature.INDENT_OUTPUT)
                                .writeValueAsString(toJson(result))));
        Path chart = dir.resolve(CHART);
        chart(result).write(chart);
        written.add(chart);
        return written;
    }

    /** Per strategy, in run order: initial and final accuracy over its seeds. */
    public static List<Row> summary(ExperimentResult result) {
        List<Row> rows = new ArrayList<>();
        result.byStrategy()
                .forEach(
                        (strategy, runs) ->
                                rows.add(
                                        new Row(
                                                strategy,
                                                runs.size(),
                                                MeanSd.of(
                                                        runs.stream()
                                                                .mapToDouble(
                                                                        ExperimentReport
                                                                                ::initialAccuracy)
                                                                .toArray()),
                                                MeanSd.of(
                                                        runs.stream()
                                                                .mapToDouble(
                                                                        ExperimentReport
                                                                                ::finalAccuracy)
                                                                .toArray()))));
        return rows;
    }

    /** The summary as an aligned text table, accuracies in percent. */
    public static String table(List<Row> rows) {
        int width = "strategy".length();
        for (Row r : rows) {
            width = Math.max(width, r.strategy().length());
        }
        StringBuilder s = new StringBuilder();
        String format = "%-" + width + "s  %5s  %14s  %20s%n";
        s.append(
                String.format(
                        Locale.ROOT,
                        format,
                        "strategy",
                        "seeds",
                        "initial acc %",
                        "final acc % (± sd)"));
        for (Row r : rows) {
            s.append(
                    String.format(
                            Locale.ROOT,
                            format,
                            r.strategy(),
                            r.seeds(),
                            String.format(Locale.ROOT, "%.2f", 100 * r.initialAccuracy().mean()),
                            String.format(
                                    Locale.ROOT,
                                    "%.2f ± %.2f",
                                    100 * r.finalAccuracy().mean(),
                                    100 * r.finalAccuracy().sd())));
        }
        return s.toString();
    }

    static String resultsCsv(ExperimentResult result) {
        Set<String> clients = new LinkedHashSet<>();
        for (RunResult run : result.runs()) {
            for (RoundRecord r : run.rounds()) {
                r.evaluation().ifPresent(e -> clients.addAll(e.accuracy().keySet()));
            }
        }
        StringBuilder csv = new StringBuilder("strategy,seed,round,accuracy,loss");
        for (String c : clients) {
            csv.append(",accuracy_").append(Csv.field(c));
        }
        csv.append('\n');
        for (RunResult run : result.runs()) {
            for (RoundRecord r : run.rounds()) {
                if (r.evaluation().isEmpty()) {
                    continue;
                }
                Evaluation e = r.evaluation().get();
                csv.append(Csv.field(run.strategy()))
                        .append(',')
                        .append(run.seed())
                        .append(',')
                        .append(r.round())
                        .append(',')
                        .append(Csv.number(e.meanAccuracy()))
                        .append(',')
                        .append(Csv.number(e.meanLoss()));
                for (String c : clients) {
                    Double a = e.accuracy().get(c);
                    csv.append(',').append(a == null ? "" : Csv.number(a));
                }
                csv.append('\n');
            }
        }
        return csv.toString();
    }

    static String summaryCsv(List<Row> rows) {
        StringBuilder csv =
                new StringBuilder(
                        "strategy,seeds,final_accuracy_mean,final_accuracy_sd,"
                                + "initial_accuracy_mean\n");
        for (Row r : rows) {
            csv.append(Csv.field(r.strategy()))
                    .append(',')
                    .append(r.seeds())
                    .append(',')
                    .append(Csv.number(r.finalAccuracy().mean()))
                    .append(',')
                    .append(Csv.number(r.finalAccuracy().sd()))
                    .append(',')
                    .append(Csv.number(r.initialAccuracy().mean()))
                    .append('\n');
        }
        return csv.toString();
    }

    /** Mean accuracy (percent) over seeds per evaluated round, one line per strategy. */
    static LineChart chart(ExperimentResult result) {
        LineChart chart =
                new LineChart(
                        "Federated LoRA: mean client accuracy (mean over seeds)",
                        "round",
                        "accuracy %");
        result.byStrategy()
                .forEach(
                        (strategy, runs) -> {
                            TreeMap<Long, List<Double>> byRound = new TreeMap<>();
                            for (RunResult run : runs) {
                                for (RoundRecord r : run.rounds()) {
                                    r.evaluation()
                                            .ifPresent(
                                                    e ->
                                                            byRound.computeIfAbsent(
                                                                            r.round(),
                                                                            k -> new ArrayList<>())
                                                                    .add(e.meanAccuracy()));
                                }
                            }
                            double[] x = new double[byRound.size()];
                            double[] y = new double[byRound.size()];
                            int i = 0;
                            for (Map.Entry<Long, List<Double>> e : byRound.entrySet()) {
                                x[i] = e.getKey();
                                y[i] =
                                        100
                                                * MeanSd.of(
                                                                e.getValue().stream()
                                                                        .mapToDouble(
                                                                                Double::doubleValue)
                                                                        .toArray())
                                                        .mean();
                                i++;
                            }
                            chart.add(strategy, x, y);
                        });
        return chart;
    }

    static Map<String, Object> toJson(ExperimentResult result) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("scenario", result.scenario());
        LoopSettings loop = result.settings().loop();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put(
                "strategies",
                result.settings().strategies().stream()
                        .map(s -> Map.of("name", s.name(), "options", s.options()))
                        .toList());
        settings.put("seeds", result.settings().seeds());
        settings.put("rounds", loop.rounds());
        settings.put("eval_every", loop.evalEvery());
        settings.put("local_steps", loop.localSteps());
        settings.put("batch_size", loop.batchSize());
        settings.put("learning_rate", loop.learningRate());
        settings.put("max_update_norm", loop.maxUpdateNorm());
        json.put("settings", settings);
        List<Object> runs = new ArrayList<>();
        for (RunResult run : result.runs()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("strategy", run.strategy());
            r.put("seed", run.seed());
            r.put("seconds", run.seconds());
            r.put("final_accuracy", finalAccuracy(run));
            Map<String, Long> rejections = new TreeMap<>();
            run.rejections()
                    .forEach((k, v) -> rejections.put(k.name().toLowerCase(Locale.ROOT), v));
            r.put("rejections", rejections);
            List<Object> rounds = new ArrayList<>();
            for (RoundRecord rec : run.rounds()) {
                rounds.add(roundJson(rec));
            }
            r.put("rounds", rounds);
            runs.add(r);
        }
        json.put("runs", runs);
        return json;
    }

    private static Map<String, Object> roundJson(RoundRecord rec) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("round", rec.round());
        m.put("version", rec.version());
        m.put("instructed", rec.instructed());
        m.put("accepted", rec.accepted());
        List<Object> failures = new ArrayList<>();
        for (Failure f : rec.failures()) {
            failures.add(Map.of("client", f.clientId(), "reason", f.reason()));
        }
        m.put("failures", failures);
        m.put("metrics", rec.metrics());
        if (!rec.note().isEmpty()) {
            m.put("note", rec.note());
        }
        m.put("seconds", rec.seconds());
        rec.evaluation()
                .ifPresent(
                        e -> {
                            Map<String, Object> ev = new LinkedHashMap<>();
                            ev.put("accuracy", e.meanAccuracy());
                            ev.put("loss", e.meanLoss());
                            Map<String, Object> clients = new LinkedHashMap<>();
                            e.accuracy()
                                    .forEach(
                                            (c, a) ->
                                                    clients.put(
                                                            c,
                                                            Map.of(
                                                                    "accuracy",
                                                                    a,
                                                                    "loss",
                                                                    e.loss().get(c))));
                            ev.put("clients", clients);
                            m.put("evaluation", ev);
                        });
        return m;
    }

    static double finalAccuracy(RunResult run) {
        return run.finalEvaluation().map(Evaluation::meanAccuracy).orElse(Double.NaN);
    }

    static double initialAccuracy(RunResult run) {
        return run.rounds().get(0).evaluation().map(Evaluation::meanAccuracy).orElse(Double.NaN);
    }

    private static Path writeAtomically(Path file, String content) throws IOException {
        AtomicFiles.writeString(file, content);
        return file;
    }
}
