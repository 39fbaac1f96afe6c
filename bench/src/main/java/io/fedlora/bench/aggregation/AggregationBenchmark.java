package io.fedlora.bench.aggregation;

import io.fedlora.aggregation.ClientSampler;
import io.fedlora.aggregation.FactorCorrection;
import io.fedlora.aggregation.FedIt;
import io.fedlora.aggregation.FitOutcome;
import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.aggregation.Weighting;
import io.fedlora.aggregation.fair.LoraFairCorrection;
import io.fedlora.aggregation.spill.SpillStore;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * JMH: one round's server aggregation of {@code clients} LoRA updates of a LLaMA-7B-shaped adapter
 * (modules q, k, v, o in {@code layers} layers, {@code dim × dim}, rank {@code rank}; by default
 * 100 clients of 64 MiB, 6.4 GiB in all), held in a {@link SpillStore} rather than on the heap —
 * FedIT's streaming average against LoRA-FAIR's correction (cosine and ridge modes, and ridge
 * without the {@code ‖ideal‖} diagnostics) — beside STREAM's copy and triad over arrays far larger
 * than the caches, measured in the same run, which bound what any pass over the client bytes can
 * reach. {@code AggregationBench} turns the scores into GB/s and ratios.
 */
public class AggregationBenchmark {

    /** The round: spilled client updates and the strategies, built once per trial. */
    @State(Scope.Benchmark)
    public static class Round {
        @Param({"100"})
        public int clients;

        @Param({"32"})
        public int layers;

        @Param({"4096"})
        public int dim;

        @Param({"16"})
        public int rank;

        /** Spill directory; empty for {@code java.io.tmpdir}. */
        @Param({""})
        public String spill;

        SpillStore store;
        List<FitResult> results;
        GlobalModel global;

        /** Metrics of the last LoRA-FAIR round, for the time breakdown printed at tear-down. */
        volatile Map<String, Double> lastMetrics = Map.of();

        @Setup(Level.Trial)
        public void spillClients() {
            Path dir = Path.of(spill.isEmpty() ? System.getProperty("java.io.tmpdir") : spill);
            store = new SpillStore(dir);
            long t0 = System.nanoTime();
            // Every client drifts from one shared A (FedIT clients start from the same global
            // pair) and trains its own B: realistic inputs for LoRA-FAIR's solver. Drawing 1.7e9
            // Gaussians would take minutes, so each client combines a few pooled noise matrices
            // with its own weights: every client differs, at the cost of two axpys a tensor.
            Nd4j.getRandom().setSeed(1);
            int pool = 8;
            List<INDArray> aNoise = new ArrayList<>();
            List<INDArray> bNoise = new ArrayList<>();
            for (int k = 0; k < pool; k++) {
                aNoise.add(Nd4j.randn(DataType.FLOAT, rank, dim).muli(0.1 / Math.sqrt(dim)));
                bNoise.add(Nd4j.randn(DataType.FLOAT, dim, rank).muli(1e-3));
            }
            List<String> names = modules(layers);
            Map<String, INDArray> sharedA = new LinkedHashMap<>();
            for (String m : names) {
                sharedA.put(m, Nd4j.randn(DataType.FLOAT, rank, dim).muli(1 / Math.sqrt(dim)));
            }
            Random weights = new Random(2);
            results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                Map<String, LoraPair> pairs = new LinkedHashMap<>();
                for (int m = 0; m < names.size(); m++) {
                    INDArray a = sharedA.get(names.get(m)).dup();
                    INDArray b = bNoise.get((c + m) % pool).mul(weights.nextGaussian());
                    a.addi(aNoise.get((c + 3 * m) % pool).mul(weights.nextGaussian()));
                    b.addi(bNoise.get((c * 5 + m + 1) % pool).mul(weights.nextGaussian()));
                    pairs.put(names.get(m), new LoraPair(a, b));
                }
                Adapter adapter =
                        new Adapter(pairs, rank, 2.0 * rank, List.of("q", "k", "v", "o"), Map.of());
                results.add(new FitResult("client-" + c, 1, 100 + c, Map.of(), store.put(adapter)));
                if (c == 0) {
                    global = GlobalModel.initial(adapter);
                } else {
                    pairs.values().forEach(p -> closeAll(p.a(), p.b()));
                }
            }
            System.err.printf(
                    Locale.ROOT,
                    "%n[aggregation] %d clients × %.1f MiB spilled to %s in %.1f s%n",
                    clients,
                    store.bytes() / (double) clients / (1 << 20),
                    dir,
                    (System.nanoTime() - t0) * 1e-9);
        }

        @TearDown(Level.Trial)
        public void closeStore() {
            if (!lastMetrics.isEmpty()) {
                int modules = 4 * layers;
                StringBuilder line = new StringBuilder("[aggregation] LoRA-FAIR time per round:");
                for (String phase : List.of("read", "project", "norm", "solve")) {
                    Double mean = lastMetrics.get("lora-fair.seconds." + phase + ".mean");
                    if (mean != null) {
                        line.append(
                                String.format(Locale.ROOT, " %s %.2f s", phase, mean * modules));
                    }
                }
                Double iterations = lastMetrics.get("lora-fair.iterations.mean");
                if (iterations != null) {
                    line.append(
                            String.format(Locale.ROOT, ", %.1f solver steps/module", iterations));
                }
                System.err.println(line);
            }
            store.close();
        }

        FitOutcome aggregate(FactorCorrection correction) {
            FedIt strategy =
                    new FedIt("bench", new ClientSampler(1, 1, 0), Weighting.EXAMPLES, correction);
            FitOutcome outcome = strategy.aggregateFit(1, global, results, List.of());
            if (correction != FactorCorrection.NONE) {
                lastMetrics = outcome.metrics();
            }
            return outcome;
        }
    }

    /** STREAM's arrays: three of {@code streamMib} MiB each, far beyond the last-level cache. */
    @State(Scope.Benchmark)
    public static class Stream {
        @Param({"256"})
        public int streamMib;

        float[] a;
        float[] b;
        float[] c;
        int chunks;

        @Setup(Level.Trial)
        public void allocate() {
            int n = streamMib * (1 << 20) / Float.BYTES;
            a = new float[n];
            b = new float[n];
            c = new float[n];
            IntStream.range(0, n)
                    .parallel()
                    .forEach(
                            i -> {
                                a[i] = 1;
                                b[i] = 2;
                                c[i] = 0;
                            });
            chunks = 8 * Runtime.getRuntime().availableProcessors();
        }

        /** Runs {@code body(from, to)} over the arrays in parallel chunks, as STREAM's OpenMP. */
        void parallel(ChunkBody body) {
            int n = a.length;
            IntStream.range(0, chunks)
                    .parallel()
                    .forEach(
                            k ->
                                    body.run(
                                            (int) ((long) n * k / chunks),
                                            (int) ((long) n * (k + 1) / chunks)));
        }

        interface ChunkBody {
            void run(int from, int to);
        }
    }

    private static List<String> modules(int layers) {
        List<String> names = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            for (String p : List.of("q", "k", "v", "o")) {
                names.add("model.layers." + l + ".self_attn." + p + "_proj");
            }
        }
        return names;
    }

    private static void closeAll(INDArray... arrays) {
        for (INDArray x : arrays) {
            x.close();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public Adapter fedit(Round r) {
        return r.aggregate(FactorCorrection.NONE).adapter();
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public Adapter loraFairCosine(Round r) {
        return r.aggregate(new LoraFairCorrection()).adapter();
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public Adapter loraFairRidge(Round r) {
        return r.aggregate(new LoraFairCorrection(LoraFairCorrection.Settings.ridge())).adapter();
    }

    /** Ridge without diagnostics: the one LoRA-FAIR variant that skips ‖ideal‖. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public Adapter loraFairRidgeNoNorm(Round r) {
        return r.aggregate(
                        new LoraFairCorrection(
                                LoraFairCorrection.Settings.ridge().withDiagnostics(false)))
                .adapter();
    }

    /** STREAM copy: {@code c[i] = a[i]} (a memcpy per chunk), 8 bytes moved per element. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public float[] streamCopy(Stream s) {
        float[] a = s.a;
        float[] c = s.c;
        s.parallel((from, to) -> System.arraycopy(a, from, c, from, to - from));
        return c;
    }

    /** STREAM triad: {@code a[i] = b[i] + q·c[i]}, 12 bytes moved per element. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public float[] streamTriad(Stream s) {
        float[] a = s.a;
        float[] b = s.b;
        float[] c = s.c;
        float q = 3f;
        s.parallel(
                (from, to) -> {
                    for (int i = from; i < to; i++) {
                        a[i] = b[i] + q * c[i];
                    }
                });
        return a;
    }
}
