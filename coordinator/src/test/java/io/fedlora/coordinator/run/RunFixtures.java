package io.fedlora.coordinator.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fedlora.aggregation.EvaluateSummary;
import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.aggregation.ServerState;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import io.fedlora.simulation.Evaluation;
import io.fedlora.simulation.RoundRecord;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Small seeded adapters, server states and rounds for the run-directory tests. */
public final class RunFixtures {

    private RunFixtures() {}

    /** A FLOAT matrix of standard normal values. */
    static INDArray gaussian(Random rnd, long rows, long cols) {
        float[] v = new float[(int) (rows * cols)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return Nd4j.create(v, new long[] {rows, cols}, 'c');
    }

    /**
     * A rank-{@code rank} adapter on modules {@code blocks.0.q} (6×5) and {@code blocks.0.v} (4×5)
     * with a saved head.
     */
    public static Adapter adapter(long seed, int rank) {
        Random rnd = new Random(seed);
        Map<String, LoraPair> modules = new LinkedHashMap<>();
        modules.put("blocks.0.q", new LoraPair(gaussian(rnd, rank, 5), gaussian(rnd, 6, rank)));
        modules.put("blocks.0.v", new LoraPair(gaussian(rnd, rank, 5), gaussian(rnd, 4, rank)));
        Map<String, INDArray> saved = new LinkedHashMap<>();
        saved.put("head.weight", gaussian(rnd, 3, 5));
        return new Adapter(modules, rank, 1.5 * rank, List.of("q", "v"), saved);
    }

    /** Moments as FLOAT and DOUBLE tensors, a step counter as LONG, and string values. */
    static ServerState serverState(long seed) {
        Random rnd = new Random(seed);
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("m.blocks.0.q", gaussian(rnd, 2, 5));
        double[] v = new double[6];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextGaussian() * 1e-7;
        }
        tensors.put("v.blocks.0.q", Nd4j.create(v, new long[] {2, 3}, DataType.DOUBLE));
        tensors.put("steps", Nd4j.createFromArray(new long[] {seed, 7}));
        Map<String, String> values = new LinkedHashMap<>();
        values.put("optimizer", "adam");
        values.put("epsilon_spent", Double.toString(0.1 * seed));
        return new ServerState(tensors, values);
    }

    static Evaluation evaluation(long round, double accuracy, double loss) {
        Map<String, Double> byClient = new LinkedHashMap<>();
        byClient.put("w1", accuracy);
        byClient.put("w2", accuracy);
        return new Evaluation(
                new EvaluateSummary(round, loss, Map.of("accuracy", accuracy), 2, 0),
                byClient,
                Map.of("w1", loss, "w2", loss));
    }

    /** A round whose metrics include a NaN, evaluated when {@code evaluation} is given. */
    static RoundRecord record(long round, Optional<Evaluation> evaluation) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        if (round > 0) {
            metrics.put("client_loss", 1.0 / round);
            metrics.put("aggregation_error", Double.NaN);
        }
        return new RoundRecord(
                round,
                round,
                round == 0 ? 0 : 2,
                round == 0 ? List.of() : List.of("w1", "w2"),
                List.of(),
                metrics,
                "",
                evaluation,
                0.25 * round);
    }

    static FitResult update(String client, long round, long seed) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("loss", 0.5 + seed);
        metrics.put("loss_first", Double.NaN);
        return FitResult.inMemory(client, round, 100 + seed, metrics, adapter(seed, 2));
    }

    /** A checkpoint of round {@code round} with a fresh adapter and state, no updates. */
    static Checkpoint checkpoint(long round, Optional<Evaluation> evaluation) {
        return new Checkpoint(
                round,
                new GlobalModel(round, adapter(1000 + round, 4), Optional.empty()),
                serverState(round),
                record(round, evaluation),
                List.of());
    }

    /** Asserts the two adapters equal bit for bit: layout, hyper-parameters and every value. */
    static void assertSameAdapter(Adapter expected, Adapter actual) {
        assertEquals(expected.rank(), actual.rank());
        assertEquals(expected.alpha(), actual.alpha());
        assertEquals(expected.targetModules(), actual.targetModules());
        assertEquals(
                List.copyOf(expected.modules().keySet()), List.copyOf(actual.modules().keySet()));
        expected.modules()
                .forEach(
                        (name, pair) -> {
                            assertSameTensor(pair.a(), actual.module(name).a());
                            assertSameTensor(pair.b(), actual.module(name).b());
                        });
        assertEquals(
                List.copyOf(expected.modulesToSave().keySet()),
                List.copyOf(actual.modulesToSave().keySet()));
        expected.modulesToSave()
                .forEach((k, t) -> assertSameTensor(t, actual.modulesToSave().get(k)));
    }

    /** Same type, shape and bits. */
    static void assertSameTensor(INDArray expected, INDArray actual) {
        assertEquals(expected.dataType(), actual.dataType());
        assertArrayEquals(expected.shape(), actual.shape());
        switch (expected.dataType()) {
            case FLOAT -> {
                float[] e = expected.dup('c').data().asFloat();
                float[] a = actual.dup('c').data().asFloat();
                assertEquals(e.length, a.length);
                for (int i = 0; i < e.length; i++) {
                    assertEquals(
                            Float.floatToRawIntBits(e[i]),
                            Float.floatToRawIntBits(a[i]),
                            "element " + i);
                }
            }
            case DOUBLE -> {
                double[] e = expected.dup('c').data().asDouble();
                double[] a = actual.dup('c').data().asDouble();
                assertEquals(e.length, a.length);
                for (int i = 0; i < e.length; i++) {
                    assertEquals(
                            Double.doubleToRawLongBits(e[i]),
                            Double.doubleToRawLongBits(a[i]),
                            "element " + i);
                }
            }
            default ->
                    assertArrayEquals(
                            expected.dup('c').data().asLong(), actual.dup('c').data().asLong());
        }
    }
}
