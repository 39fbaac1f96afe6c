package io.fedlora.nn;

import static io.fedlora.nn.GradientCheck.assertGradient;
import static io.fedlora.nn.GradientCheck.project;
import static io.fedlora.nn.GradientCheck.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

class LoraLinearTest {

    private static final int N = 5;
    private static final int IN = 6;
    private static final int OUT = 4;

    private static LoraLinear layer(Random rng, int r, double dropout) {
        LoraLinear l = new LoraLinear("m", random(rng, OUT, IN), random(rng, 1, OUT));
        l.enableLora(r, 8.0, dropout, rng);
        // B starts at zero, which would make A's gradient zero; give it values to check.
        l.loraB().value().assign(random(rng, OUT, r));
        return l;
    }

    @Test
    void shouldInitialiseLikePeft() {
        Random rng = new Random(1);
        LoraLinear l = new LoraLinear("m", random(rng, 64, 100), null);
        l.enableLora(8, 16, 0, rng);
        INDArray a = l.loraA().value();
        assertEquals(8, a.rows());
        assertEquals(100, a.columns());
        double bound = 1 / Math.sqrt(100);
        assertTrue(a.amaxNumber().doubleValue() <= bound);
        // a uniform draw on [-bound, bound] reaches close to the bound with 800 samples
        assertTrue(a.amaxNumber().doubleValue() > 0.95 * bound);
        assertEquals(0.0, l.loraB().value().amaxNumber().doubleValue());
        assertEquals(2.0, l.scale());
        assertFalse(l.weight().trainable());
        assertTrue(l.loraA().trainable());
    }

    @Test
    void shouldComputeTheLoraFormula() {
        Random rng = new Random(2);
        LoraLinear l = layer(rng, 3, 0);
        INDArray x = random(rng, N, IN);
        INDArray y = l.forward(x, Pass.eval(N));
        INDArray w = l.weight().value();
        INDArray expected =
                x.mmul(w.transpose())
                        .addRowVector(l.bias().value())
                        .add(
                                x.mmul(l.loraA().value().transpose())
                                        .mmul(l.loraB().value().transpose())
                                        .mul(8.0 / 3));
        assertTrue(expected.equalsWithEps(y, 1e-12));
    }

    @Test
    void shouldGiveGradientsOfFactorsAndInputWithDropout() {
        Random rng = new Random(3);
        LoraLinear l = layer(rng, 3, 0.3);
        checkAll(l, rng, false);
    }

    @Test
    void shouldGiveGradientsOfActiveComponentsOnly() {
        Random rng = new Random(4);
        LoraLinear l = layer(rng, 4, 0);
        l.setActiveRank(2);
        checkAll(l, rng, false);
        INDArray gA = l.loraA().grad();
        INDArray gB = l.loraB().grad();
        assertEquals(
                0.0,
                gA.get(NDArrayIndex.interval(2, 4), NDArrayIndex.all()).amaxNumber().doubleValue());
        assertEquals(
                0.0,
                gB.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 4)).amaxNumber().doubleValue());
        assertTrue(
                gA.get(NDArrayIndex.interval(0, 2), NDArrayIndex.all()).amaxNumber().doubleValue()
                        > 0);
    }

    @Test
    void shouldGiveGradientsOfTrainableBaseWeights() {
        Random rng = new Random(5);
        LoraLinear l = layer(rng, 2, 0.1);
        l.weight().setTrainable(true);
        l.bias().setTrainable(true);
        checkAll(l, rng, true);
    }

    @Test
    void shouldGiveNoGradientToFrozenBase() {
        Random rng = new Random(6);
        LoraLinear l = layer(rng, 2, 0);
        l.forward(random(rng, N, IN), Pass.train(N, rng));
        l.backward(random(rng, N, OUT));
        assertThrows(IllegalStateException.class, () -> l.weight().grad());
        assertThrows(IllegalStateException.class, () -> l.bias().grad());
    }

    @Test
    void shouldMergeAndUnmergeToFloatTolerance() {
        Random rng = new Random(7);
        LoraLinear l =
                new LoraLinear(
                        "m",
                        random(rng, 32, 48).castTo(DataType.FLOAT),
                        random(rng, 1, 32).castTo(DataType.FLOAT));
        l.enableLora(4, 8, 0, rng);
        l.loraB().value().assign(random(rng, 32, 4));
        INDArray w0 = l.weight().value().dup();
        INDArray x = random(rng, 10, 48).castTo(DataType.FLOAT);
        INDArray unmerged = l.forward(x, Pass.eval(10));
        l.merge();
        INDArray merged = l.forward(x, Pass.eval(10));
        INDArray delta = l.loraB().value().mmul(l.loraA().value()).muli(2.0).castTo(DataType.FLOAT);
        assertTrue(w0.add(delta).equalsWithEps(l.weight().value(), 1e-5));
        assertTrue(unmerged.equalsWithEps(merged, 1e-4));
        l.unmerge();
        assertTrue(w0.equalsWithEps(l.weight().value(), 1e-5));
        assertTrue(unmerged.equalsWithEps(l.forward(x, Pass.eval(10)), 1e-4));
    }

    @Test
    void shouldRejectBadShapesAndRanks() {
        Random rng = new Random(8);
        LoraLinear l = layer(rng, 2, 0);
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> l.forward(random(rng, 3, IN + 1), Pass.eval(3)));
        assertTrue(e.getMessage().startsWith("m expects input"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> l.setActiveRank(3));
        assertThrows(IllegalArgumentException.class, () -> l.setActiveRank(0));
    }

    /** Gradient check of every trainable parameter and of the input, dropout mask held fixed. */
    private static void checkAll(LoraLinear l, Random rng, boolean base) {
        INDArray x = random(rng, N, IN);
        INDArray r = random(rng, N, OUT);
        long maskSeed = rng.nextLong();
        l.forward(x, Pass.train(N, new Random(maskSeed)));
        INDArray dx = l.backward(r);
        java.util.function.DoubleSupplier loss =
                () -> project(l.forward(x, Pass.train(N, new Random(maskSeed))), r);
        assertGradient("dx", x, dx, loss);
        assertGradient("lora_A", l.loraA().value(), l.loraA().grad().dup(), loss);
        assertGradient("lora_B", l.loraB().value(), l.loraB().grad().dup(), loss);
        if (base) {
            assertGradient("weight", l.weight().value(), l.weight().grad().dup(), loss);
            assertGradient("bias", l.bias().value(), l.bias().grad().dup(), loss);
        }
    }
}
