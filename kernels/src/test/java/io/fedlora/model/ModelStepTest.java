package io.fedlora.model;

import static io.fedlora.nn.GradientCheck.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.data.Batch;
import io.fedlora.nn.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Steps repeat exactly across batch shapes (the step workspace is reused safely). */
class ModelStepTest {

    private static final VitConfig VIT = new VitConfig(4, 2, 4, 2, 2, 2, 3);
    private static final CharDecoderConfig DECODER = new CharDecoderConfig(6, 5, 4, 2, 1, 2);

    @Test
    void shouldRepeatAVitStepExactlyAcrossBatchSizes() {
        Random rng = new Random(31);
        VitClassifier m = VitClassifier.seeded(VIT, 31);
        m.enableLora(new LoraConfig(2, 4, 0.2, List.of("q", "v"), List.of("head")), rng);
        Batch big = new Batch(random(rng, 5, 16).castTo(DataType.FLOAT), new int[] {0, 1, 2, 0, 1});
        Batch small = new Batch(random(rng, 2, 16).castTo(DataType.FLOAT), new int[] {2, 2});
        double first = m.forwardBackward(big, new Random(7));
        List<INDArray> grads = grads(m);
        zero(m);
        m.forwardBackward(small, new Random(8));
        m.evaluate(small);
        zero(m);
        assertEquals(first, m.forwardBackward(big, new Random(7)), 0.0);
        List<INDArray> again = grads(m);
        for (int i = 0; i < grads.size(); i++) {
            assertTrue(grads.get(i).equals(again.get(i)));
        }
    }

    @Test
    void shouldTakeShorterSequencesAndRejectLongerOnes() {
        Random rng = new Random(32);
        CharDecoder m = CharDecoder.seeded(DECODER, 32);
        m.enableFullTraining();
        Batch shortBatch = new Batch(Nd4j.create(new float[][] {{1, 2, 3}}), new int[] {2, 3, 4});
        double loss = m.forwardBackward(shortBatch, rng);
        // untrained logits are near zero: the loss is close to ln(vocab)
        assertEquals(Math.log(6), loss, 0.5);
        assertEquals(3, m.evaluate(shortBatch).count());
        Batch tooLong = new Batch(Nd4j.zeros(DataType.FLOAT, 1, 6), new int[6]);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> m.evaluate(tooLong));
        assertTrue(e.getMessage().startsWith("sequence length 6 exceeds"), e.getMessage());
    }

    @Test
    void shouldRejectImagesOfTheWrongSizeOrTargetCount() {
        VitClassifier m = VitClassifier.seeded(VIT, 34);
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> m.evaluate(new Batch(Nd4j.zeros(DataType.FLOAT, 2, 15), new int[2])));
        assertEquals("expected images [b, 16], got [2, 15]", e.getMessage());
        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> m.evaluate(new Batch(Nd4j.zeros(DataType.FLOAT, 2, 16), new int[3])));
        assertEquals("targets has 3 entries for 2 predictions", e.getMessage());
    }

    @Test
    void shouldLowerTheLossWithPlainGradientSteps() {
        Random rng = new Random(33);
        CharDecoder m = CharDecoder.seeded(DECODER, 33);
        m.enableLora(
                new LoraConfig(4, 8, 0, List.of("q", "k", "v", "o", "fc1", "fc2"), List.of("head")),
                rng);
        // a fixed cyclic text: every next token is determined by the current one
        Batch batch =
                new Batch(
                        Nd4j.create(new float[][] {{0, 1, 2, 3, 4}, {2, 3, 4, 5, 0}}),
                        new int[] {1, 2, 3, 4, 5, 3, 4, 5, 0, 1});
        double before = m.evaluate(batch).meanLoss();
        for (int step = 0; step < 60; step++) {
            m.forwardBackward(batch, rng);
            for (Parameter p : m.parameters()) {
                if (p.trainable()) {
                    p.value().subi(p.grad().mul(0.5));
                    p.zeroGrad();
                }
            }
        }
        double after = m.evaluate(batch).meanLoss();
        assertTrue(after < 0.5 * before, before + " -> " + after);
    }

    private static List<INDArray> grads(AdaptableModel m) {
        List<INDArray> out = new ArrayList<>();
        for (Parameter p : m.parameters()) {
            if (p.trainable()) {
                out.add(p.grad().dup());
            }
        }
        return out;
    }

    private static void zero(AdaptableModel m) {
        m.parameters().forEach(Parameter::zeroGrad);
    }
}
