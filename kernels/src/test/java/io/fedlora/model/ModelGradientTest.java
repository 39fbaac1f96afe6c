package io.fedlora.model;

import static io.fedlora.nn.GradientCheck.assertGradient;
import static io.fedlora.nn.GradientCheck.random;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.data.Batch;
import io.fedlora.nn.LoraLinear;
import io.fedlora.nn.Parameter;
import io.fedlora.nn.WeightSource;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** One full training step of each model against finite differences of its mean loss. */
class ModelGradientTest {

    static final VitConfig TINY_VIT = new VitConfig(4, 2, 4, 2, 1, 2, 3);
    static final CharDecoderConfig TINY_DECODER = new CharDecoderConfig(5, 4, 4, 2, 1, 2);

    static VitClassifier tinyVit(long seed) {
        return new VitClassifier(TINY_VIT, WeightSource.seeded(seed, DataType.DOUBLE));
    }

    static CharDecoder tinyDecoder(long seed) {
        return new CharDecoder(TINY_DECODER, WeightSource.seeded(seed, DataType.DOUBLE));
    }

    static Batch imageBatch(Random rng) {
        return new Batch(random(rng, 3, 16).addi(1).divi(2), new int[] {2, 0, 1});
    }

    static Batch textBatch() {
        return new Batch(
                Nd4j.create(new double[][] {{0, 3, 4, 1}, {2, 2, 0, 4}}),
                new int[] {3, 4, 1, 0, 2, 0, 4, 4});
    }

    @Test
    void shouldGiveVitGradientsOfEveryParameter() {
        Random rng = new Random(21);
        VitClassifier m = tinyVit(1);
        m.enableFullTraining();
        randomiseNormsAndBiases(m, rng);
        checkStep(m, imageBatch(rng), rng, m.parameters());
    }

    @Test
    void shouldGiveVitGradientsOfLoraAndSavedModules() {
        Random rng = new Random(22);
        VitClassifier m = tinyVit(2);
        randomiseNormsAndBiases(m, rng);
        m.enableLora(new LoraConfig(2, 4, 0, List.of("q", "v", "fc1"), List.of("head")), rng);
        giveBValues(m, rng);
        List<Parameter> trainable = m.parameters().stream().filter(Parameter::trainable).toList();
        assertTrue(trainable.size() == 3 * 2 + 2, trainable.toString());
        checkStep(m, imageBatch(rng), rng, trainable);
    }

    @Test
    void shouldGiveDecoderGradientsOfEveryParameter() {
        Random rng = new Random(23);
        CharDecoder m = tinyDecoder(3);
        m.enableFullTraining();
        randomiseNormsAndBiases(m, rng);
        checkStep(m, textBatch(), rng, m.parameters());
    }

    @Test
    void shouldGiveDecoderGradientsOfLoraOnlyWithActiveRank() {
        Random rng = new Random(24);
        CharDecoder m = tinyDecoder(4);
        randomiseNormsAndBiases(m, rng);
        m.enableLora(
                new LoraConfig(3, 6, 0, List.of("q", "k", "v", "o", "fc1", "fc2"), List.of()), rng);
        giveBValues(m, rng);
        m.setActiveRank(2);
        List<Parameter> trainable = m.parameters().stream().filter(Parameter::trainable).toList();
        checkStep(m, textBatch(), rng, trainable);
    }

    /** Biases start at zero and LayerNorm at identity; random values exercise more of backward. */
    private static void randomiseNormsAndBiases(AdaptableModel m, Random rng) {
        for (Parameter p : m.parameters()) {
            if (p.name().endsWith("bias")
                    || p.name().contains("ln")
                    || p.name().startsWith("norm")) {
                p.value().assign(random(rng, p.value().shape()).muli(0.5));
            }
        }
    }

    /** B starts at zero, which makes A's gradient vanish; give it values to check. */
    private static void giveBValues(AdaptableModel m, Random rng) {
        for (LoraLinear l : m.adapted()) {
            l.loraB().value().assign(random(rng, l.loraB().value().shape()));
        }
    }

    private static void checkStep(
            AdaptableModel m, Batch batch, Random rng, List<Parameter> params) {
        double loss = m.forwardBackward(batch, rng);
        DoubleSupplier meanLoss = () -> m.evaluate(batch).meanLoss();
        assertTrue(Math.abs(loss - meanLoss.getAsDouble()) < 1e-12);
        for (Parameter p : params) {
            assertGradient(p.name(), p.value(), p.grad().dup(), meanLoss);
        }
    }
}
