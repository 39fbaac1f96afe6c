package io.fedlora.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.data.Batch;
import io.fedlora.data.Dataset;
import io.fedlora.lora.Adapter;
import io.fedlora.model.LoraConfig;
import io.fedlora.model.VitClassifier;
import io.fedlora.model.VitConfig;
import io.fedlora.nn.LoraLinear;
import io.fedlora.nn.Parameter;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class LocalTrainerTest {

    /** Two Gaussian blobs per class in 4 dimensions, class c centred at 2·e_c. */
    static Dataset blobs(int n, long seed) {
        return blobs(n, seed, DataType.DOUBLE);
    }

    static Dataset blobs(int n, long seed, DataType type) {
        Random r = new Random(seed);
        double[][] x = new double[n][4];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3;
            for (int j = 0; j < 4; j++) {
                x[i][j] = r.nextGaussian() * 0.5 + (j == y[i] ? 2 : 0);
            }
        }
        return new Dataset() {
            @Override
            public int size() {
                return n;
            }

            @Override
            public Batch batch(int[] idx) {
                double[][] rows = new double[idx.length][];
                int[] t = new int[idx.length];
                for (int k = 0; k < idx.length; k++) {
                    rows[k] = x[idx[k]];
                    t[k] = y[idx[k]];
                }
                return new Batch(Nd4j.create(rows).castTo(type), t);
            }

            @Override
            public int numClasses() {
                return 3;
            }

            @Override
            public int label(int i) {
                return y[i];
            }
        };
    }

    @Test
    void shouldLowerTheLossAndLeaveFrozenParametersAlone() {
        SoftmaxRegression model = new SoftmaxRegression(4, 3, 1);
        TrainConfig cfg = new TrainConfig().learningRate(0.05).batchSize(16).epochs(5).seed(3);
        int[] calls = {0};
        TrainReport report =
                LocalTrainer.train(
                        model,
                        blobs(300, 2),
                        cfg,
                        cfg.newOptimizer(),
                        (step, total, loss) -> calls[0]++);

        assertEquals(5 * 19, report.steps(), "ceil(300/16) batches per epoch");
        assertEquals(5 * 300, report.examples());
        assertTrue(
                report.lastLoss() < 0.5 * report.firstLoss(),
                report.firstLoss() + " -> " + report.lastLoss());
        assertEquals(1, calls[0], "no interval: progress only at the end");
        assertEquals(4.0, model.frozen.value().sumNumber().doubleValue());
        assertTrue(Evaluator.evaluate(model, blobs(150, 9), 64).accuracy() > 0.9);
    }

    @Test
    void shouldRepeatBitForBitWithTheSameSeed() {
        double[] a = trainedWeights(7);
        double[] b = trainedWeights(7);
        double[] c = trainedWeights(8);
        assertArrayEquals(a, b, 0.0);
        assertFalse(java.util.Arrays.equals(a, c));
    }

    private static double[] trainedWeights(long seed) {
        SoftmaxRegression model = new SoftmaxRegression(4, 3, 1);
        LocalTrainer.train(
                model,
                blobs(100, 2),
                new TrainConfig().learningRate(0.01).batchSize(8).localSteps(30).seed(seed));
        return model.weight.value().dup().data().asDouble();
    }

    @Test
    void shouldDrawNestedRanksUniformlyAndRestoreTheFullRank() {
        SoftmaxRegression model = new SoftmaxRegression(4, 3, 1);
        int steps = 1200;
        LocalTrainer.train(
                model,
                blobs(64, 2),
                new TrainConfig()
                        .optimizer(Optimizer.Kind.SGD)
                        .learningRate(1e-3)
                        .batchSize(8)
                        .localSteps(steps)
                        .nestedRankMax(4));
        assertEquals(steps + 1, model.activeRanks.size());
        assertEquals(4, model.activeRanks.get(steps), "full rank restored at the end");
        int[] counts = new int[5];
        for (int b : model.activeRanks.subList(0, steps)) {
            counts[b]++;
        }
        assertEquals(0, counts[0]);
        for (int b = 1; b <= 4; b++) {
            // Binomial(1200, 1/4): standard deviation 15; 5 sigma either side.
            assertEquals(300, counts[b], 75, "rank " + b);
        }
    }

    @Test
    void shouldKeepLoraAWhereItStartedWhenFrozenAndTrainEverythingElse() {
        Map<String, Adapter> frozen = fineTune(true);
        Adapter start = frozen.get("start");
        Adapter end = frozen.get("end");
        for (String module : start.modules().keySet()) {
            assertArrayEquals(
                    start.module(module).a().data().asFloat(),
                    end.module(module).a().data().asFloat(),
                    0f,
                    module + ".lora_A moved");
            assertTrue(
                    start.module(module).b().distance2(end.module(module).b()) > 1e-3,
                    module + ".lora_B did not train");
        }
        assertTrue(
                start.modulesToSave()
                                .get("head.weight")
                                .distance2(end.modulesToSave().get("head.weight"))
                        > 1e-3,
                "the saved head did not train");

        // The same run without the option moves A, so the check above can fail.
        Map<String, Adapter> free = fineTune(false);
        String q = "blocks.0.attn.q";
        assertTrue(free.get("start").module(q).a().distance2(free.get("end").module(q).a()) > 1e-3);
    }

    @Test
    void shouldUnfreezeLoraAAfterTrainingAndRefuseAModelWithoutOne() {
        VitClassifier model = loraVit();
        LocalTrainer.train(model, blobs(32, 4, DataType.FLOAT), frozenAConfig());
        for (Parameter p : model.parameters()) {
            if (p.name().endsWith(".lora_A")) {
                assertTrue(p.trainable(), p.name() + " stayed frozen after training");
            }
        }
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                LocalTrainer.train(
                                        new SoftmaxRegression(4, 3, 1),
                                        blobs(32, 4),
                                        frozenAConfig()));
        assertEquals(
                "freezeLoraA is set but the model has no trainable lora_A parameter",
                e.getMessage());
    }

    /** A one-block ViT over 2×2 "images", i.e. the blobs' 4 features, with LoRA on q and v. */
    private static VitClassifier loraVit() {
        VitClassifier model = VitClassifier.seeded(new VitConfig(2, 1, 4, 2, 1, 2, 3), 5);
        model.enableLora(
                new LoraConfig(2, 4, 0, List.of("q", "v"), List.of("head")), new Random(1));
        return model;
    }

    private static TrainConfig frozenAConfig() {
        return new TrainConfig()
                .learningRate(0.05)
                .weightDecay(0.1)
                .batchSize(16)
                .localSteps(6)
                .freezeLoraA(true);
    }

    private static Map<String, Adapter> fineTune(boolean freezeA) {
        VitClassifier model = loraVit();
        // A random B, so that lora_A receives a gradient from the first step on.
        for (LoraLinear l : model.adapted()) {
            l.loraB().value().assign(Nd4j.rand(l.loraB().value().dataType(), 4, 2));
        }
        Adapter start = model.exportAdapter();
        TrainConfig cfg =
                new TrainConfig()
                        .learningRate(0.05)
                        .weightDecay(0.1)
                        .batchSize(16)
                        .localSteps(6)
                        .freezeLoraA(freezeA);
        LocalTrainer.train(model, blobs(64, 4, DataType.FLOAT), cfg);
        return Map.of("start", start, "end", model.exportAdapter());
    }

    @Test
    void shouldAddTheProximalGradientAndLoss() {
        Parameter p = new Parameter("p", Nd4j.create(new double[] {1, 2, 3}), true);
        p.grad().assign(Nd4j.create(new double[] {0.5, 0.5, 0.5}));
        double loss =
                LocalTrainer.addProximalGradient(
                        List.of(p), List.of(Nd4j.create(new double[] {0, 2, 5})), 0.1);
        // θ − θ₀ = (1, 0, −2): loss μ/2·5 = 0.25, gradient + μ·(1, 0, −2).
        assertEquals(0.25, loss, 1e-12);
        assertArrayEquals(new double[] {0.6, 0.5, 0.3}, p.grad().data().asDouble(), 1e-12);
    }

    @Test
    void shouldClipTheGlobalGradientNorm() {
        Parameter a = new Parameter("a", Nd4j.zeros(DataType.DOUBLE, 1, 1), true);
        Parameter b = new Parameter("b", Nd4j.zeros(DataType.DOUBLE, 1, 1), true);
        a.grad().assign(3);
        b.grad().assign(4);
        assertEquals(5, LocalTrainer.clipGradients(List.of(a, b), 1.0), 1e-12);
        assertEquals(0.6, a.grad().getDouble(0), 1e-12);
        assertEquals(0.8, b.grad().getDouble(0), 1e-12);
        assertEquals(1.0, LocalTrainer.clipGradients(List.of(a, b), 2.0), 1e-12, "no-op below");
        assertEquals(0.6, a.grad().getDouble(0), 1e-12);
    }

    @Test
    void shouldStopBeforeANonFiniteLossReachesTheParameters() {
        SoftmaxRegression model = new SoftmaxRegression(4, 3, 1);
        model.weight.value().putScalar(0, 0, Double.NaN);
        double before = model.bias.value().sumNumber().doubleValue();
        IllegalStateException e =
                assertThrows(
                        IllegalStateException.class,
                        () ->
                                LocalTrainer.train(
                                        model,
                                        blobs(30, 1),
                                        new TrainConfig().batchSize(30).localSteps(3)));
        assertEquals("training loss became NaN at step 1", e.getMessage());
        assertEquals(before, model.bias.value().sumNumber().doubleValue(), "no update applied");
    }

    @Test
    void shouldRejectInvalidConfigsAndEmptyData() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new TrainConfig().learningRate(-1).conclude());
        assertThrows(
                IllegalArgumentException.class, () -> new TrainConfig().batchSize(0).conclude());
        TrainConfig done = new TrainConfig().conclude();
        assertThrows(IllegalStateException.class, () -> done.seed(3));
        SoftmaxRegression model = new SoftmaxRegression(4, 3, 1);
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                LocalTrainer.train(
                                        model, blobs(30, 1).subset(new int[0]), new TrainConfig()));
        assertEquals("cannot train on an empty data set", e.getMessage());
    }
}
