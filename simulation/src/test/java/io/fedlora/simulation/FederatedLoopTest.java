package io.fedlora.simulation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.aggregation.BaseUpdate;
import io.fedlora.aggregation.Failure;
import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.TrainOptions;
import io.fedlora.aggregation.UpdateValidator;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import io.fedlora.model.AdaptableModel;
import io.fedlora.model.LoraConfig;
import io.fedlora.nn.EvalStats;
import io.fedlora.train.Evaluator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The loop on a tiny federation: what reaches the strategy, what comes back as the next global
 * model, rejections and failures, base updates and determinism. Expected averages are computed here
 * with plain double loops.
 */
class FederatedLoopTest {

    private static List<VirtualClient> clients;

    @BeforeAll
    static void loadClients() {
        OpThreads.oneThreadPerOp(); // speed only: results do not depend on it
        clients = TinyFederation.clients();
    }

    private static FederatedLoop loop(RecordingStrategy strategy, SharedBase base, long seed) {
        return loop(strategy, base, TinyFederation.settings(2, seed));
    }

    private static FederatedLoop loop(
            RecordingStrategy strategy, SharedBase base, LoopSettings settings) {
        return new FederatedLoop(
                strategy, clients, TinyFederation.models(), base, TinyFederation.LORA, settings);
    }

    @Test
    void shouldStartEachRoundFromTheStrategysAggregateOfTheClientsResults() {
        RecordingStrategy strategy = new RecordingStrategy();
        RunResult run = loop(strategy, SharedBase.copyOf(TinyFederation.base()), 5).run();

        assertEquals(List.of(0L, 1L, 2L), run.rounds().stream().map(RoundRecord::round).toList());
        for (long round = 1; round <= 2; round++) {
            List<FitResult> results = strategy.results.get(round);
            assertEquals(
                    List.of(30L, 40L, 50L),
                    results.stream().map(FitResult::exampleCount).toList(),
                    "example counts are the clients' training sets");
            Adapter aggregate = strategy.outcomes.get(round).adapter();
            assertMatchesWeightedAverage(results, aggregate);
            Adapter next =
                    round < 2
                            ? strategy.startedFrom.get((int) round).adapter()
                            : run.global().adapter();
            assertSame(aggregate, next, "round " + (round + 1) + " starts from the aggregate");
            assertEquals(round, run.rounds().get((int) round).version());
        }
        // Training moved B away from zero.
        assertTrue(
                run.global().adapter().module("blocks.0.attn.q").b().norm2Number().doubleValue()
                        > 0);
    }

    @Test
    void shouldEvaluateEveryClientAndWeightTheMeanByItsExamples() {
        RunResult run =
                loop(new RecordingStrategy(), SharedBase.copyOf(TinyFederation.base()), 5).run();
        for (RoundRecord r : run.rounds()) {
            Evaluation e = r.evaluation().orElseThrow();
            assertEquals(List.of("c0", "c1", "c2"), List.copyOf(e.accuracy().keySet()));
            double weighted = 0;
            double count = 0;
            for (VirtualClient c : clients) {
                weighted += c.test().size() * e.accuracy().get(c.id());
                count += c.test().size();
            }
            assertEquals(weighted / count, e.meanAccuracy(), 1e-12);
        }
    }

    @Test
    void shouldReportRejectedAndFailedClientsAndAggregateTheRest() {
        RecordingStrategy strategy = new RecordingStrategy();
        FaultInjection faults =
                result -> {
                    if (result.round() == 1 && result.clientId().equals("c1")) {
                        return FitResult.inMemory(
                                "c1",
                                1,
                                result.exampleCount(),
                                Map.of(),
                                withNaN(result.adapter()));
                    }
                    if (result.round() == 2 && result.clientId().equals("c2")) {
                        throw new IllegalStateException("worker crashed");
                    }
                    return result;
                };
        RunResult run =
                loop(strategy, SharedBase.copyOf(TinyFederation.base()), 5).faults(faults).run();

        RoundRecord first = run.rounds().get(1);
        assertEquals(List.of("c0", "c2"), first.accepted());
        assertEquals(1, first.failures().size());
        Failure rejected = first.failures().get(0);
        assertEquals("c1", rejected.clientId());
        assertTrue(rejected.reason().contains("non_finite"), rejected.reason());
        assertTrue(first.aggregated());
        assertMatchesWeightedAverage(strategy.results.get(1L), strategy.outcomes.get(1L).adapter());
        assertEquals(List.of(rejected), strategy.failures.get(1L), "the strategy is told");

        RoundRecord second = run.rounds().get(2);
        assertEquals(List.of("c0", "c1"), second.accepted());
        assertEquals("training failed: worker crashed", second.failures().get(0).reason());
        assertEquals(Map.of(UpdateValidator.Rejection.NON_FINITE, 1L), run.rejections());
    }

    @Test
    void shouldMergeABaseUpdateIntoTheSharedBaseAndBuildLaterModelsOverIt() {
        Map<String, INDArray> original = TinyFederation.base();
        Random rng = new Random(3);
        INDArray a = Nd4j.create(gaussian(rng, 2 * 16), new long[] {2, 16}, DataType.FLOAT);
        INDArray b = Nd4j.create(gaussian(rng, 16 * 2), new long[] {16, 2}, DataType.FLOAT);
        BaseUpdate update = new BaseUpdate(Map.of("blocks.0.attn.q", new LoraPair(a, b)), 0.5);
        RecordingStrategy strategy = new RecordingStrategy(1, update, Map.of());
        SharedBase base = SharedBase.copyOf(original);
        RunResult run = loop(strategy, base, 5).run();

        float[][] w0 = original.get("blocks.0.attn.q.weight").toFloatMatrix();
        float[][] w1 = base.weights().get("blocks.0.attn.q.weight").toFloatMatrix();
        float[][] av = a.toFloatMatrix();
        float[][] bv = b.toFloatMatrix();
        for (int o = 0; o < 16; o++) {
            for (int i = 0; i < 16; i++) {
                double delta = 0;
                for (int k = 0; k < 2; k++) {
                    delta += bv[o][k] * (double) av[k][i];
                }
                assertEquals(w0[o][i] + 0.5 * delta, w1[o][i], 1e-5, "W[" + o + "][" + i + "]");
            }
        }
        assertArrayEquals(
                original.get("blocks.0.attn.k.weight").ravel().toFloatVector(),
                base.weights().get("blocks.0.attn.k.weight").ravel().toFloatVector(),
                "other weights untouched");
        assertEquals(1.0, run.rounds().get(1).metrics().get("base_update"));
        assertEquals(0.0, run.rounds().get(2).metrics().get("base_update"));

        // Round 1's evaluation already ran over the merged base: rebuild it independently.
        Map<String, INDArray> merged = new LinkedHashMap<>();
        original.forEach((k, v) -> merged.put(k, v.dup()));
        merged.get("blocks.0.attn.q.weight").addi(b.mmul(a).muli(0.5));
        Adapter v1 = strategy.outcomes.get(1L).adapter();
        AdaptableModel model = TinyFederation.models().overBase(merged);
        model.enableLora(
                new LoraConfig(v1.rank(), v1.alpha(), 0, List.of("q", "v"), List.of("head")),
                new Random(0));
        model.loadAdapter(v1);
        EvalStats stats = Evaluator.evaluate(model, clients.get(0).test(), 64);
        Evaluation e = run.rounds().get(1).evaluation().orElseThrow();
        assertEquals(stats.meanLoss(), e.loss().get("c0"), 1e-5);
        assertEquals(stats.accuracy(), e.accuracy().get("c0"), 1e-12);
    }

    @Test
    void shouldRepeatARunExactlyFromItsSeed() {
        RunResult one =
                loop(new RecordingStrategy(), SharedBase.copyOf(TinyFederation.base()), 5).run();
        RunResult two =
                loop(new RecordingStrategy(), SharedBase.copyOf(TinyFederation.base()), 5).run();
        RunResult parallel =
                loop(
                                new RecordingStrategy(),
                                SharedBase.copyOf(TinyFederation.base()),
                                TinyFederation.settings(2, 5).withParallelism(3))
                        .run();
        RunResult other =
                loop(new RecordingStrategy(), SharedBase.copyOf(TinyFederation.base()), 6).run();
        assertSameAdapter(one.global().adapter(), parallel.global().adapter());

        Adapter x = one.global().adapter();
        assertSameAdapter(x, two.global().adapter());
        for (int r = 0; r < one.rounds().size(); r++) {
            assertEquals(
                    one.rounds().get(r).evaluation().map(Evaluation::accuracy),
                    two.rounds().get(r).evaluation().map(Evaluation::accuracy));
            assertEquals(
                    one.rounds().get(r).evaluation().map(Evaluation::loss),
                    parallel.rounds().get(r).evaluation().map(Evaluation::loss));
        }
        assertNotEquals(
                x.module("blocks.0.attn.q")
                        .b()
                        .distance2(other.global().adapter().module("blocks.0.attn.q").b()),
                0.0,
                "another seed, another run");
    }

    private static void assertSameAdapter(Adapter x, Adapter y) {
        for (String m : x.modules().keySet()) {
            assertArrayEquals(
                    x.module(m).a().ravel().toFloatVector(),
                    y.module(m).a().ravel().toFloatVector(),
                    m);
            assertArrayEquals(
                    x.module(m).b().ravel().toFloatVector(),
                    y.module(m).b().ravel().toFloatVector(),
                    m);
        }
        for (String s : x.modulesToSave().keySet()) {
            assertArrayEquals(
                    x.modulesToSave().get(s).ravel().toFloatVector(),
                    y.modulesToSave().get(s).ravel().toFloatVector(),
                    s);
        }
    }

    @Test
    void shouldStopOnAnInstructionTheClientsCannotHonour() {
        RecordingStrategy strategy = new RecordingStrategy(-1, null, Map.of("server-lr", "1"));
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> loop(strategy, SharedBase.copyOf(TinyFederation.base()), 5).run());
        assertTrue(e.getMessage().contains("server-lr"), e.getMessage());
        assertTrue(strategy.results.isEmpty(), "nobody trained");
    }

    @Test
    void shouldKeepLoraAWhereItStartedWhenInstructedToFreezeIt() {
        RecordingStrategy strategy =
                new RecordingStrategy(-1, null, Map.of(TrainOptions.FREEZE_A, "true"));
        RunResult run = loop(strategy, SharedBase.copyOf(TinyFederation.base()), 5).run();
        Adapter start = strategy.startedFrom.get(0).adapter();
        for (FitResult r : strategy.results.get(1L)) {
            for (String m : start.modules().keySet()) {
                assertArrayEquals(
                        start.module(m).a().ravel().toFloatVector(),
                        r.adapter().module(m).a().ravel().toFloatVector(),
                        r.clientId() + " " + m);
            }
        }
        Adapter end = run.global().adapter();
        assertArrayEquals(
                start.module("blocks.0.attn.q").a().ravel().toFloatVector(),
                end.module("blocks.0.attn.q").a().ravel().toFloatVector());
        assertTrue(end.module("blocks.0.attn.q").b().norm2Number().doubleValue() > 0, "B trains");
    }

    @Test
    void shouldTrainWithTheInstructedProximalTerm() {
        // A large μ pulls every client back to where it started: the aggregate hardly moves.
        RecordingStrategy free = new RecordingStrategy();
        RecordingStrategy held =
                new RecordingStrategy(-1, null, Map.of(TrainOptions.PROXIMAL_MU, "1000"));
        RunResult a = loop(free, SharedBase.copyOf(TinyFederation.base()), 5).run();
        RunResult b = loop(held, SharedBase.copyOf(TinyFederation.base()), 5).run();
        Adapter start = free.startedFrom.get(0).adapter();
        double movedFree = distance(start, a.global().adapter());
        double movedHeld = distance(start, b.global().adapter());
        assertTrue(movedHeld < movedFree, movedHeld + " vs " + movedFree);
    }

    /** Σ pᵢAᵢ, Σ pᵢBᵢ and Σ pᵢ·saved, pᵢ = nᵢ / Σn, in double loops. */
    private static void assertMatchesWeightedAverage(List<FitResult> results, Adapter aggregate) {
        double total = results.stream().mapToLong(FitResult::exampleCount).sum();
        for (String m : aggregate.modules().keySet()) {
            assertAverage(results, total, r -> r.adapter().module(m).a(), aggregate.module(m).a());
            assertAverage(results, total, r -> r.adapter().module(m).b(), aggregate.module(m).b());
        }
        for (String s : aggregate.modulesToSave().keySet()) {
            assertAverage(
                    results,
                    total,
                    r -> r.adapter().modulesToSave().get(s),
                    aggregate.modulesToSave().get(s));
        }
    }

    private static void assertAverage(
            List<FitResult> results,
            double total,
            java.util.function.Function<FitResult, INDArray> tensor,
            INDArray actual) {
        double[] expected = new double[(int) actual.length()];
        for (FitResult r : results) {
            double[] v = tensor.apply(r).ravel().toDoubleVector();
            for (int i = 0; i < expected.length; i++) {
                expected[i] += r.exampleCount() / total * v[i];
            }
        }
        assertArrayEquals(expected, actual.ravel().toDoubleVector(), 1e-6);
    }

    private static Adapter withNaN(Adapter a) {
        Map<String, LoraPair> modules = new LinkedHashMap<>(a.modules());
        LoraPair q = modules.get("blocks.0.attn.q");
        INDArray b = q.b().dup();
        b.putScalar(0, 0, Float.NaN);
        modules.put("blocks.0.attn.q", new LoraPair(q.a(), b));
        return new Adapter(modules, a.rank(), a.alpha(), a.targetModules(), a.modulesToSave());
    }

    private static double distance(Adapter x, Adapter y) {
        double sq = 0;
        for (String m : x.modules().keySet()) {
            sq += Math.pow(x.module(m).a().distance2(y.module(m).a()), 2);
            sq += Math.pow(x.module(m).b().distance2(y.module(m).b()), 2);
        }
        return Math.sqrt(sq);
    }

    private static double[] gaussian(Random rng, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rng.nextGaussian();
        }
        return v;
    }
}
