package io.fedlora.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import io.fedlora.peft.PeftAdapterFiles;
import io.fedlora.peft.PeftWriteOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code fedlora aggregate} on adapters written by {@link PeftAdapterFiles}: the FedIT result and
 * the report's errors against plain double-loop formulas, and one clear line for each bad input.
 */
class AggregateCommandTest {

    private static final String Q = "blocks.0.attn.q";
    private static final String FC1 = "blocks.0.mlp.fc1";

    @TempDir Path dir;

    /** Modules q (6 → 8) and fc1 (6 → 12), a saved head (3 × 6 and its bias), seeded values. */
    private static Adapter adapter(long seed, int rank, double alpha, boolean withFc1) {
        Random rng = new Random(seed);
        Map<String, LoraPair> modules = new LinkedHashMap<>();
        modules.put(Q, new LoraPair(gaussian(rng, rank, 6), gaussian(rng, 8, rank)));
        if (withFc1) {
            modules.put(FC1, new LoraPair(gaussian(rng, rank, 6), gaussian(rng, 12, rank)));
        }
        Map<String, INDArray> saved = new LinkedHashMap<>();
        saved.put("head.weight", gaussian(rng, 3, 6));
        saved.put("head.bias", gaussian(rng, 1, 3));
        return new Adapter(modules, rank, alpha, List.of("q", "fc1"), saved);
    }

    private static INDArray gaussian(Random rng, int rows, int cols) {
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextGaussian();
        }
        return Nd4j.create(v, new long[] {rows, cols}, DataType.FLOAT);
    }

    private Path write(String name, Adapter a) {
        Path p = dir.resolve(name);
        PeftAdapterFiles.write(p, a, PeftWriteOptions.defaults());
        return p;
    }

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void shouldWriteTheWeightedFedItAverageAndItsErrors() throws Exception {
        List<Adapter> inputs =
                List.of(adapter(1, 2, 4, true), adapter(2, 2, 4, true), adapter(3, 2, 4, true));
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "aggregate",
                                "--strategy",
                                "fedit",
                                "--weights",
                                "1,2,3",
                                "--out",
                                dir.resolve("out").toString()));
        for (int i = 0; i < inputs.size(); i++) {
            args.add(write("a" + i, inputs.get(i)).toString());
        }
        CliRun r = run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());

        double[] p = {1 / 6.0, 2 / 6.0, 3 / 6.0};
        Adapter out = PeftAdapterFiles.read(dir.resolve("out"));
        assertEquals(2, out.rank());
        assertEquals(4.0, out.alpha());
        for (String m : List.of(Q, FC1)) {
            assertArrayEquals(
                    average(inputs, p, a -> a.module(m).a()), values(out.module(m).a()), 1e-6);
            assertArrayEquals(
                    average(inputs, p, a -> a.module(m).b()), values(out.module(m).b()), 1e-6);
        }
        for (String s : List.of("head.weight", "head.bias")) {
            assertArrayEquals(
                    average(inputs, p, a -> a.modulesToSave().get(s)),
                    values(out.modulesToSave().get(s)),
                    1e-6);
        }

        JsonNode report =
                new ObjectMapper()
                        .readTree(
                                dir.resolve("out").resolve(AggregateCommand.REPORT_FILE).toFile());
        assertEquals("fedit", report.get("strategy").asText());
        assertEquals(3, report.get("clients").size());
        assertEquals(2, report.get("weights").get(1).asLong());
        assertEquals(p[2], report.get("clients").get(2).get("p").asDouble(), 1e-15);
        double max = 0;
        for (String m : List.of(Q, FC1)) {
            double expected = relativeError(inputs, p, out, m);
            assertTrue(expected > 0.01, "FedIT is not exact: " + expected);
            assertEquals(
                    expected, report.get("relative_error").get(m).asDouble(), 1e-5 * expected, m);
            max = Math.max(max, expected);
        }
        assertEquals(max, report.get("max_relative_error").asDouble(), 1e-5 * max);
        assertTrue(report.get("base_update").isNull());
        assertTrue(r.out().contains("relative error of the aggregate: max"), r.out());
    }

    @Test
    void shouldAverageUniformlyWithoutWeights() {
        List<Adapter> inputs = List.of(adapter(4, 2, 4, true), adapter(5, 2, 4, true));
        CliRun r =
                run(
                        "aggregate",
                        "--strategy",
                        "fedit",
                        "--out",
                        dir.resolve("out").toString(),
                        write("a", inputs.get(0)).toString(),
                        write("b", inputs.get(1)).toString());
        assertEquals(0, r.code(), r.err());
        Adapter out = PeftAdapterFiles.read(dir.resolve("out"));
        assertArrayEquals(
                average(inputs, new double[] {0.5, 0.5}, a -> a.module(Q).b()),
                values(out.module(Q).b()),
                1e-6);
    }

    @Test
    void shouldRefuseEachBadInputInOneLine() throws Exception {
        Path good = write("good", adapter(1, 2, 4, true));
        Path other = write("other", adapter(2, 2, 4, true));
        Path rank3 = write("rank3", adapter(3, 3, 6, true));
        Path noFc1 = write("nofc1", adapter(4, 2, 4, false));
        Path alpha = write("alpha", adapter(5, 2, 8, true));
        Adapter nan = adapter(6, 2, 4, true);
        nan.module(FC1).b().putScalar(3, 1, Float.NaN);
        Path withNan = write("nan", nan);
        Path corrupt = write("corrupt", adapter(7, 2, 4, true));
        Files.write(corrupt.resolve(PeftAdapterFiles.WEIGHTS_FILE), new byte[] {9, 9, 9});
        String out = dir.resolve("out").toString();

        assertRefused(List.of(good.toString(), rank3.toString()), "rank3", "rank");
        assertRefused(
                List.of(good.toString(), noFc1.toString()), "nofc1", "no module [" + FC1 + "]");
        assertRefused(
                List.of(noFc1.toString(), good.toString()), "good", "module [" + FC1 + "], which");
        assertRefused(List.of(good.toString(), withNan.toString()), "nan", "NaN");
        assertRefused(List.of(good.toString(), alpha.toString()), "alpha", "wrong_alpha");
        assertRefused(
                List.of(good.toString(), corrupt.toString()),
                "corrupt",
                "adapter_model.safetensors");
        assertRefused(
                List.of(good.toString(), dir.resolve("missing").toString()),
                "missing",
                "does not exist");
        assertRefused(
                List.of("--weights", "1,2,3", good.toString(), other.toString()),
                "",
                "3 weights for 2 adapters");
        assertRefused(
                List.of("--option", "lambda=1", good.toString(), other.toString()),
                "",
                "has no option lambda");
        CliRun unknown = run("aggregate", "--strategy", "nope", "--out", out, good.toString());
        assertOneLine(unknown, "unknown strategy nope");
        assertFalse(
                Files.exists(dir.resolve("out").resolve(PeftAdapterFiles.WEIGHTS_FILE)),
                "nothing written");
    }

    private void assertRefused(List<String> inputs, String names, String reason) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "aggregate",
                                "--strategy",
                                "fedit",
                                "--out",
                                dir.resolve("out").toString()));
        args.addAll(inputs);
        CliRun r = run(args.toArray(String[]::new));
        assertOneLine(r, reason);
        assertTrue(r.err().contains(names), r.err());
    }

    private static void assertOneLine(CliRun r, String reason) {
        assertEquals(1, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("fedlora: "), r.err());
        assertTrue(r.err().contains(reason), r.err());
    }

    private static double[] average(
            List<Adapter> inputs,
            double[] p,
            java.util.function.Function<Adapter, INDArray> tensor) {
        double[] sum = null;
        for (int i = 0; i < inputs.size(); i++) {
            double[] v = values(tensor.apply(inputs.get(i)));
            if (sum == null) {
                sum = new double[v.length];
            }
            for (int j = 0; j < v.length; j++) {
                sum[j] += p[i] * v[j];
            }
        }
        return sum;
    }

    /** ‖Σ pᵢsᵢBᵢAᵢ − s'B'A'‖_F / ‖Σ pᵢsᵢBᵢAᵢ‖_F with dense double loops. */
    private static double relativeError(List<Adapter> inputs, double[] p, Adapter out, String m) {
        double[][] ideal = null;
        for (int i = 0; i < inputs.size(); i++) {
            double[][] d = dense(inputs.get(i).module(m), inputs.get(i).scale());
            if (ideal == null) {
                ideal = new double[d.length][d[0].length];
            }
            for (int r = 0; r < d.length; r++) {
                for (int c = 0; c < d[0].length; c++) {
                    ideal[r][c] += p[i] * d[r][c];
                }
            }
        }
        double[][] agg = dense(out.module(m), out.scale());
        double diff = 0;
        double norm = 0;
        for (int r = 0; r < agg.length; r++) {
            for (int c = 0; c < agg[0].length; c++) {
                diff += Math.pow(ideal[r][c] - agg[r][c], 2);
                norm += Math.pow(ideal[r][c], 2);
            }
        }
        return Math.sqrt(diff / norm);
    }

    private static double[][] dense(LoraPair pair, double scale) {
        double[][] a = pair.a().toDoubleMatrix();
        double[][] b = pair.b().toDoubleMatrix();
        double[][] w = new double[b.length][a[0].length];
        for (int r = 0; r < b.length; r++) {
            for (int c = 0; c < a[0].length; c++) {
                for (int k = 0; k < a.length; k++) {
                    w[r][c] += scale * b[r][k] * a[k][c];
                }
            }
        }
        return w;
    }

    private static double[] values(INDArray t) {
        return t.ravel().toDoubleVector();
    }
}
