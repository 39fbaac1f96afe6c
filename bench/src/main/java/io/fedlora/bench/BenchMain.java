package io.fedlora.bench;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Entry point of {@code ./fedlora bench NAME [--quick]}: runs one JMH benchmark class and prints
 * its result as a ratio against the baseline measured in the same run (one absolute time on a
 * shared machine means little).
 */
public final class BenchMain {

    /** A benchmark class, the method that measures fedlora, and the baseline method. */
    private record Comparison(Class<?> type, String subject, String baseline, String meaning) {}

    private static final Map<String, Comparison> BENCHES =
            Map.of(
                    "lora",
                    new Comparison(
                            LoraLinearBenchmark.class,
                            "loraForwardBackward",
                            "denseMatmul",
                            "LoRA layer step / dense matmuls of the same shape"));

    public static void main(String[] args) throws RunnerException {
        if (args.length == 0 || !BENCHES.containsKey(args[0])) {
            System.err.println("usage: fedlora bench " + BENCHES.keySet() + " [--quick]");
            System.exit(2);
        }
        Comparison c = BENCHES.get(args[0]);
        boolean quick = List.of(args).contains("--quick");
        ChainedOptionsBuilder options =
                new OptionsBuilder()
                        .include(c.type().getName() + "\\.")
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
        Collection<RunResult> results = new Runner(options.build()).run();
        Map<String, double[]> scores = new HashMap<>();
        for (RunResult r : results) {
            String label = r.getParams().getBenchmark();
            String method = label.substring(label.lastIndexOf('.') + 1);
            scores.put(
                    method,
                    new double[] {
                        r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()
                    });
        }
        double[] subject = scores.get(c.subject());
        double[] baseline = scores.get(c.baseline());
        System.out.printf(
                Locale.ROOT,
                "%n%s: %.1f ± %.1f us, %s: %.1f ± %.1f us%nratio (%s): %.3f%n",
                c.subject(),
                subject[0],
                subject[1],
                c.baseline(),
                baseline[0],
                baseline[1],
                c.meaning(),
                subject[0] / baseline[0]);
    }
}
