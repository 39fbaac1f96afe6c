package io.fedlora.bench;

import io.fedlora.bench.aggregation.AggregationBench;
import io.fedlora.bench.codec.CodecBenchmark;
import io.fedlora.bench.transport.TransportBench;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Entry point of {@code ./fedlora bench NAME [--quick]}: runs one JMH benchmark class and prints
 * each measured method as a ratio against the baseline method measured in the same run, for every
 * parameter combination (one absolute time on a shared machine means little). {@code transport} is
 * the two-process transfer bench, which has its own options.
 */
public final class BenchMain {

    private record Score(double value, double error, String unit) {}

    /** A benchmark class, its baseline method, and what the ratio means. */
    private record Comparison(Class<?> type, String baseline, String meaning) {}

    private static final Map<String, Comparison> BENCHES =
            Map.of(
                    "lora",
                    new Comparison(
                            LoraLinearBenchmark.class,
                            "denseMatmul",
                            "time of a LoRA layer step over the dense matmuls of the same shape"),
                    "codec",
                    new Comparison(
                            CodecBenchmark.class,
                            "memcpy",
                            "time of a codec pass over a plain copy of the fp32 bytes"));

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("transport")) {
            TransportBench.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && args[0].equals("aggregation")) {
            AggregationBench.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length == 0 || !BENCHES.containsKey(args[0])) {
            System.err.println(
                    "usage: fedlora bench transport [--quick] [--json] [--codec-only] [--sizes 16,64,256]"
                            + " | fedlora bench aggregation [--quick] [--clients N] [--layers L]"
                            + " [--dim D] [--rank R] [--spill DIR]"
                            + " | fedlora bench "
                            + BENCHES.keySet()
                            + " [--quick]");
            System.exit(2);
        }
        Comparison c = BENCHES.get(args[0]);
        boolean quick = List.of(args).contains("--quick");
        OptionsBuilder options = new OptionsBuilder();
        options.include(c.type().getName() + "\\.")
                .forks(1)
                .warmupIterations(quick ? 2 : 5)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(quick ? 3 : 10)
                .measurementTime(TimeValue.seconds(quick ? 1 : 2))
                // The fork needs the same --add-opens/--add-exports as this JVM.
                .jvmArgs(
                        ManagementFactory.getRuntimeMXBean()
                                .getInputArguments()
                                .toArray(String[]::new));
        print(c, new Runner(options.build()).run());
    }

    /** One line per method and parameter set: its score and its ratio to the baseline. */
    private static void print(Comparison c, Iterable<RunResult> results) {
        Map<String, Map<String, Score>> byParams = new TreeMap<>();
        for (RunResult r : results) {
            BenchmarkParams p = r.getParams();
            String method = p.getBenchmark().substring(p.getBenchmark().lastIndexOf('.') + 1);
            StringBuilder key = new StringBuilder();
            for (String k : p.getParamsKeys()) {
                key.append(k).append('=').append(p.getParam(k)).append(' ');
            }
            byParams.computeIfAbsent(key.toString().trim(), k -> new TreeMap<>())
                    .put(
                            method,
                            new Score(
                                    r.getPrimaryResult().getScore(),
                                    r.getPrimaryResult().getScoreError(),
                                    r.getPrimaryResult().getScoreUnit()));
        }
        System.out.printf(Locale.ROOT, "%nratio = %s%n", c.meaning());
        for (Map.Entry<String, Map<String, Score>> group : byParams.entrySet()) {
            Score base = group.getValue().get(c.baseline());
            for (Map.Entry<String, Score> m : group.getValue().entrySet()) {
                if (m.getKey().equals(c.baseline())) {
                    continue;
                }
                System.out.printf(
                        Locale.ROOT,
                        "%-36s %-20s %10.3f ± %.3f %s   %s %10.3f   ratio %.3f%n",
                        group.getKey(),
                        m.getKey(),
                        m.getValue().value(),
                        m.getValue().error(),
                        m.getValue().unit(),
                        c.baseline(),
                        base.value(),
                        m.getValue().value() / base.value());
            }
        }
    }
}
