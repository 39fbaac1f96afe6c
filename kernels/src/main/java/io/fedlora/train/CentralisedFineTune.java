package io.fedlora.train;

import io.fedlora.data.ArrayDataset;
import io.fedlora.data.FashionMnist;
import io.fedlora.data.FeatureDomain;
import io.fedlora.lora.Adapter;
import io.fedlora.model.LoraConfig;
import io.fedlora.model.VitClassifier;
import io.fedlora.model.VitConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The centralised version of the feature-domain scenario: pre-train a {@link VitClassifier} on the
 * identity domain of Fashion-MNIST, freeze it, LoRA-fine-tune it on a shifted domain, and measure
 * how much the adapter recovers on that domain's test images. It proves the whole local stack
 * (data, model, LoRA injection, trainer) on real data before any federation is involved.
 */
public final class CentralisedFineTune {

    /**
     * @param dataDir Fashion-MNIST IDX files
     * @param trainExamples training images used (the first ones of the split)
     * @param testExamples test images used
     * @param shifted the domain the adapter is fine-tuned and evaluated on
     */
    public record Settings(
            Path dataDir,
            int trainExamples,
            int testExamples,
            FeatureDomain shifted,
            VitConfig model,
            LoraConfig lora,
            int pretrainSteps,
            double pretrainLearningRate,
            int finetuneSteps,
            double finetuneLearningRate,
            int batchSize,
            long seed) {

        /** Sized to run in about two minutes on two cores. */
        public static Settings defaults() {
            return new Settings(
                    FashionMnist.DEFAULT_DIRECTORY,
                    20_000,
                    2_000,
                    FeatureDomain.INVERTED,
                    VitConfig.defaults(),
                    new LoraConfig(
                            8, 16, 0.0, List.of("q", "k", "v", "o", "fc1", "fc2"), List.of("head")),
                    1200,
                    2e-3,
                    600,
                    3e-3,
                    64,
                    1);
        }

        public Settings withDataDir(Path dir) {
            return new Settings(
                    dir,
                    trainExamples,
                    testExamples,
                    shifted,
                    model,
                    lora,
                    pretrainSteps,
                    pretrainLearningRate,
                    finetuneSteps,
                    finetuneLearningRate,
                    batchSize,
                    seed);
        }

        public Settings withShifted(FeatureDomain domain) {
            return new Settings(
                    dataDir,
                    trainExamples,
                    testExamples,
                    domain,
                    model,
                    lora,
                    pretrainSteps,
                    pretrainLearningRate,
                    finetuneSteps,
                    finetuneLearningRate,
                    batchSize,
                    seed);
        }

        public Settings withSteps(int pretrain, int finetune) {
            return new Settings(
                    dataDir,
                    trainExamples,
                    testExamples,
                    shifted,
                    model,
                    lora,
                    pretrain,
                    pretrainLearningRate,
                    finetune,
                    finetuneLearningRate,
                    batchSize,
                    seed);
        }
    }

    /**
     * Accuracies in [0, 1] on the test images.
     *
     * @param baseIdentityAccuracy the pre-trained base on the identity domain
     * @param baseShiftedAccuracy the frozen base on the shifted domain
     * @param fineTunedShiftedAccuracy base + adapter on the shifted domain
     * @param base the pre-trained base weights
     * @param adapter the fine-tuned adapter (LoRA factors and the head)
     */
    public record Result(
            double baseIdentityAccuracy,
            double baseShiftedAccuracy,
            double fineTunedShiftedAccuracy,
            TrainReport pretrain,
            TrainReport finetune,
            Map<String, INDArray> base,
            Adapter adapter) {}

    /** Told of each phase's progress ({@code "pretrain"} then {@code "finetune"}). */
    @FunctionalInterface
    public interface Listener {
        void onProgress(String phase, int step, int totalSteps, double loss);
    }

    /** A base model trained in full on plain images, and how its training went. */
    public record Pretrained(VitClassifier model, TrainReport report) {}

    private CentralisedFineTune() {}

    /**
     * The pre-training step on its own: a {@link VitClassifier} seeded from {@code seed}, every
     * parameter trained on the identity domain of {@code train} with AdamW, reporting progress
     * about every twentieth of the steps. Federated scenarios reuse it to build their frozen base.
     */
    public static Pretrained pretrain(
            ArrayDataset train,
            VitConfig model,
            int steps,
            double learningRate,
            int batchSize,
            long seed,
            ProgressListener progress) {
        VitClassifier base = VitClassifier.seeded(model, seed);
        base.enableFullTraining();
        TrainConfig config =
                new TrainConfig()
                        .learningRate(learningRate)
                        .batchSize(batchSize)
                        .localSteps(steps)
                        .seed(seed)
                        .progressEvery(Math.max(1, steps / 20));
        TrainReport report =
                LocalTrainer.train(
                        base,
                        FeatureDomain.IDENTITY.apply(train, seed),
                        config,
                        config.newOptimizer(),
                        progress);
        return new Pretrained(base, report);
    }

    public static Result run(Settings s, Listener listener) {
        ArrayDataset train =
                FashionMnist.load(s.dataDir(), FashionMnist.Split.TRAIN, s.trainExamples());
        ArrayDataset test =
                FashionMnist.load(s.dataDir(), FashionMnist.Split.TEST, s.testExamples());
        ArrayDataset shiftedTrain = s.shifted().apply(train, s.seed());
        ArrayDataset shiftedTest = s.shifted().apply(test, s.seed() + 1);

        Pretrained pretrained =
                pretrain(
                        train,
                        s.model(),
                        s.pretrainSteps(),
                        s.pretrainLearningRate(),
                        s.batchSize(),
                        s.seed(),
                        (step, total, loss) -> listener.onProgress("pretrain", step, total, loss));
        VitClassifier base = pretrained.model();
        TrainReport pretrainReport = pretrained.report();
        double identity = Evaluator.evaluate(base, test, 500).accuracy();
        double frozenShifted = Evaluator.evaluate(base, shiftedTest, 500).accuracy();

        // The fine-tuned model shares the frozen base's arrays: only LoRA and the head are its own.
        Map<String, INDArray> baseWeights = base.baseState();
        VitClassifier tuned = VitClassifier.overBase(s.model(), baseWeights);
        tuned.enableLora(s.lora(), new Random(s.seed() + 2));
        TrainConfig finetune =
                new TrainConfig()
                        .learningRate(s.finetuneLearningRate())
                        .batchSize(s.batchSize())
                        .localSteps(s.finetuneSteps())
                        .seed(s.seed() + 3)
                        .progressEvery(Math.max(1, s.finetuneSteps() / 20));
        TrainReport finetuneReport =
                LocalTrainer.train(
                        tuned,
                        shiftedTrain,
                        finetune,
                        finetune.newOptimizer(),
                        (step, total, loss) -> listener.onProgress("finetune", step, total, loss));
        double tunedShifted = Evaluator.evaluate(tuned, shiftedTest, 500).accuracy();
        return new Result(
                identity,
                frozenShifted,
                tunedShifted,
                pretrainReport,
                finetuneReport,
                baseWeights,
                tuned.exportAdapter());
    }
}
