package io.fedlora.bench.aggregation;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@code ./fedlora bench aggregation [options]}: runs {@link AggregationBenchmark} and prints, for
 * each strategy, the client bytes aggregated per second, that rate as a fraction of STREAM's copy
 * and triad bandwidth measured in the same run, and LoRA-FAIR's time over FedIT's.
 *
 * <p>Options: {@code --clients N} (100), {@code --layers L} (32), {@code --dim D} (4096), {@code
 * --rank R} (16), {@code --spill DIR} (java.io.tmpdir), {@code --stream-mib M} (256, per array),
 * {@code --methods a,b} (a subset of fedit, loraFairCosine, loraFairRidge, loraFairRidgeNoNorm,
 * streamCopy, streamTriad), {@code --quick} (no warm-up shot, 2 measured).
 */
public final class AggregationBench {

    private static final List<String> METHODS =
            List.of(
                    "fedit",
                    "loraFairCosine",
                    "loraFairRidge",
                    "loraFairRidgeNoNorm",
                    "streamCopy",
                    "streamTriad");

    private AggregationBench() {}

    public static void main(String[] args) throws Exception {
        int clients = 100;
        int layers = 32;
        int dim = 4096;
        int rank = 16;
        int streamMib = 256;
        String spill = null;
        boolean quick = false;
        List<String> methods = METHODS;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--clients" -> clients = positive(args, ++i);
                case "--layers" -> layers = positive(args, ++i);
                case "--dim" -> dim = positive(args, ++i);
                case "--rank" -> rank = positive(args, ++i);
                case "--stream-mib" -> streamMib = positive(args, ++i);
                case "--spill" -> spill = value(args, ++i);
                case "--methods" -> methods = methods(value(args, ++i));
                case "--quick" -> quick = true;
                default ->
                        throw new IllegalArgumentException(
                                "unknown option " + args[i] + "; see bench/README.md");
            }
        }
        OptionsBuilder options = new OptionsBuilder();
        options.include(
                        AggregationBenchmark.class.getName()
                                + "\\.("
                                + String.join("|", methods)
                                + ")$")
                .param("clients", String.valueOf(clients))
                .param("layers", String.valueOf(layers))
                .param("dim", String.valueOf(dim))
                .param("rank", String.valueOf(rank))
                .param("streamMib", String.valueOf(streamMib))
                .forks(1)
                .warmupIterations(quick ? 0 : 1)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(quick ? 2 : 3)
                .measurementTime(TimeValue.seconds(1))
                .jvmArgs(
                        ManagementFactory.getRuntimeMXBean()
                                .getInputArguments()
                                .toArray(String[]::new));
        if (spill != null) {
            options.param("spill", spill);
        }
        Map<String, Double> seconds = new TreeMap<>();
        for (RunResult r : new Runner(options.build()).run()) {
            String bench = r.getParams().getBenchmark();
            String method = bench.substring(bench.lastIndexOf('.') + 1);
            seconds.put(
                    method,
                    toSeconds(
                            r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreUnit()));
        }
        long clientBytes = (long) clients * layers * 4 * 2L * dim * rank * Float.BYTES;
        report(seconds, clientBytes, (long) streamMib << 20, clients, layers, dim, rank);
    }

    static void report(
            Map<String, Double> seconds,
            long clientBytes,
            long streamArrayBytes,
            int clients,
            int layers,
            int dim,
            int rank) {
        System.out.printf(
                Locale.ROOT,
                "%naggregation of %d clients × %d modules (%d×%d, rank %d): %.2f GiB of fp32"
                        + " client factors%n",
                clients,
                4 * layers,
                dim,
                dim,
                rank,
                clientBytes / (double) (1L << 30));
        Double copy = rate(seconds.get("streamCopy"), 2 * streamArrayBytes);
        Double triad = rate(seconds.get("streamTriad"), 3 * streamArrayBytes);
        if (copy != null) {
            System.out.printf(Locale.ROOT, "  %-22s %8.2f GB/s%n", "STREAM copy", copy);
        }
        if (triad != null) {
            System.out.printf(Locale.ROOT, "  %-22s %8.2f GB/s%n", "STREAM triad", triad);
        }
        Double fedit = seconds.get("fedit");
        for (String m :
                List.of("fedit", "loraFairCosine", "loraFairRidge", "loraFairRidgeNoNorm")) {
            Double s = seconds.get(m);
            if (s == null) {
                continue;
            }
            double gbs = clientBytes / s / 1e9;
            StringBuilder line =
                    new StringBuilder(
                            String.format(Locale.ROOT, "  %-22s %8.2f s  %6.2f GB/s", m, s, gbs));
            if (copy != null) {
                line.append(String.format(Locale.ROOT, "  %5.1f%% of copy", 100 * gbs / copy));
            }
            if (triad != null) {
                line.append(String.format(Locale.ROOT, "  %5.1f%% of triad", 100 * gbs / triad));
            }
            if (fedit != null && !m.equals("fedit")) {
                line.append(String.format(Locale.ROOT, "  %6.2f× FedIT's time", s / fedit));
            }
            System.out.println(line);
        }
    }

    private static Double rate(Double seconds, long bytes) {
        return seconds == null ? null : bytes / seconds / 1e9;
    }

    private static double toSeconds(double score, String unit) {
        return switch (unit) {
            case "s/op" -> score;
            case "ms/op" -> score / 1e3;
            case "us/op" -> score / 1e6;
            case "ns/op" -> score / 1e9;
            default -> throw new IllegalStateException("unexpected JMH unit " + unit);
        };
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    private static int positive(String[] args, int i) {
        String v = value(args, i);
        try {
            int n = Integer.parseInt(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(args[i - 1] + " must be a positive integer, got " + v);
    }

    private static List<String> methods(String list) {
        List<String> out = new ArrayList<>();
        for (String m : list.split(",")) {
            if (!METHODS.contains(m.trim())) {
                throw new IllegalArgumentException("unknown method " + m + "; known: " + METHODS);
            }
            out.add(m.trim());
        }
        return out;
    }
}
