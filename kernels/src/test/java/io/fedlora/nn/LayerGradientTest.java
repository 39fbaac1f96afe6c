package io.fedlora.nn;

import static io.fedlora.nn.GradientCheck.assertGradient;
import static io.fedlora.nn.GradientCheck.project;
import static io.fedlora.nn.GradientCheck.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Finite-difference checks of every layer's backward pass, and values against formulas. */
class LayerGradientTest {

    private static WeightSource doubles(long seed) {
        return WeightSource.seeded(seed, DataType.DOUBLE);
    }

    @Test
    void shouldGiveLayerNormGradients() {
        Random rng = new Random(11);
        LayerNorm ln = new LayerNorm("ln", doubles(1), 5);
        for (Parameter p : ln.parameters()) {
            p.setTrainable(true);
            p.value().assign(random(rng, 1, 5));
        }
        INDArray x = random(rng, 4, 5).muli(3);
        INDArray r = random(rng, 4, 5);
        ln.forward(x, Pass.train(4, rng));
        INDArray dx = ln.backward(r);
        DoubleSupplier loss = () -> project(ln.forward(x, Pass.eval(4)), r);
        assertGradient("dx", x, dx, loss);
        for (Parameter p : ln.parameters()) {
            assertGradient(p.name(), p.value(), p.grad().dup(), loss);
        }
    }

    @Test
    void shouldNormaliseRows() {
        LayerNorm ln = new LayerNorm("ln", doubles(1), 4);
        INDArray y =
                ln.forward(Nd4j.create(new double[][] {{1, 2, 3, 4}, {-2, 0, 0, 2}}), Pass.eval(2));
        // (x − mean)/√(var + 1e-5) with var = 1.25 and 2
        assertEquals(-1.5 / Math.sqrt(1.25 + 1e-5), y.getDouble(0, 0), 1e-12);
        assertEquals(2 / Math.sqrt(2 + 1e-5), y.getDouble(1, 3), 1e-12);
    }

    @Test
    void shouldGiveGeluValuesAndGradient() {
        Gelu gelu = new Gelu();
        INDArray v =
                gelu.forward(
                        Nd4j.create(new double[] {-1, 0, 1, 3}, new long[] {1, 4}), Pass.eval(1));
        double c = Math.sqrt(2 / Math.PI);
        for (int i = 0; i < 4; i++) {
            double x = new double[] {-1, 0, 1, 3}[i];
            assertEquals(
                    0.5 * x * (1 + Math.tanh(c * (x + 0.044715 * x * x * x))),
                    v.getDouble(0, i),
                    1e-12);
        }
        Random rng = new Random(12);
        INDArray x = random(rng, 3, 7).muli(3);
        INDArray r = random(rng, 3, 7);
        gelu.forward(x, Pass.train(3, rng));
        INDArray dx = gelu.backward(r);
        assertGradient("dx", x, dx, () -> project(gelu.forward(x, Pass.eval(3)), r));
    }

    @Test
    void shouldGiveAttentionGradients() {
        checkAttention(false);
    }

    @Test
    void shouldGiveCausalAttentionGradients() {
        checkAttention(true);
    }

    private static void checkAttention(boolean causal) {
        Random rng = new Random(causal ? 13 : 14);
        int b = 2;
        int s = 3;
        int dim = 4;
        MultiHeadAttention attn = new MultiHeadAttention("attn", doubles(2), dim, 2, causal);
        for (Parameter p : attn.parameters()) {
            p.setTrainable(true);
            p.value().assign(random(rng, p.value().shape()));
        }
        attn.linears().get(1).enableLora(2, 4, 0, rng);
        attn.linears().get(1).loraB().value().assign(random(rng, dim, 2));
        INDArray x = random(rng, b * s, dim);
        INDArray r = random(rng, b * s, dim);
        attn.forward(x, Pass.train(b, rng));
        INDArray dx = attn.backward(r);
        DoubleSupplier loss = () -> project(attn.forward(x, Pass.eval(b)), r);
        assertGradient("dx", x, dx, loss);
        for (Parameter p : attn.parameters()) {
            assertGradient(p.name(), p.value(), p.grad().dup(), loss);
        }
    }

    @Test
    void shouldNotLetCausalAttentionSeeTheFuture() {
        Random rng = new Random(15);
        MultiHeadAttention attn = new MultiHeadAttention("attn", doubles(3), 4, 2, true);
        INDArray x = random(rng, 5, 4);
        INDArray y = attn.forward(x, Pass.eval(1));
        INDArray x2 = x.dup();
        x2.getRow(4).assign(random(rng, 4));
        x2.getRow(3).assign(random(rng, 4));
        INDArray y2 = attn.forward(x2, Pass.eval(1));
        assertTrue(
                y.get(NDArrayIndex.interval(0, 3), NDArrayIndex.all())
                        .equalsWithEps(
                                y2.get(NDArrayIndex.interval(0, 3), NDArrayIndex.all()), 1e-12));
        assertTrue(y.getRow(4).distance2(y2.getRow(4)) > 1e-6);
    }

    @Test
    void shouldGiveCrossEntropyValueAndGradient() {
        Random rng = new Random(16);
        INDArray logits = random(rng, 4, 3).muli(5);
        int[] targets = {0, 2, 1, 2};
        SoftmaxCrossEntropy.Result res = SoftmaxCrossEntropy.compute(logits, targets, true);
        double sum = 0;
        for (int i = 0; i < 4; i++) {
            double z = 0;
            for (int j = 0; j < 3; j++) {
                z += Math.exp(logits.getDouble(i, j));
            }
            sum += Math.log(z) - logits.getDouble(i, targets[i]);
        }
        assertEquals(sum / 4, res.meanLoss(), 1e-12);
        assertGradient(
                "logits",
                logits,
                res.gradient(),
                () -> SoftmaxCrossEntropy.compute(logits, targets, false).meanLoss());
    }

    @Test
    void shouldStayFiniteOnHugeLogits() {
        INDArray logits = Nd4j.create(new float[] {1000f, 0f, -1000f, 500f}, new long[] {2, 2});
        SoftmaxCrossEntropy.Result res =
                SoftmaxCrossEntropy.compute(logits, new int[] {1, 0}, true);
        // row 0 loses 1000 nats, row 1 1500 nats; both predictions are wrong
        assertEquals((1000.0 + 1500.0) / 2, res.meanLoss(), 1e-3);
        assertEquals(0, res.correct());
        assertTrue(Double.isFinite(res.gradient().sumNumber().doubleValue()));
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> SoftmaxCrossEntropy.compute(logits, new int[] {0, 2}, false));
        assertTrue(e.getMessage().contains("target 1 is 2"), e.getMessage());
    }

    @Test
    void shouldGiveBlockGradients() {
        Random rng = new Random(17);
        TransformerBlock block = new TransformerBlock("b", doubles(4), 4, 2, 6, true);
        for (Parameter p : block.parameters()) {
            p.setTrainable(true);
            p.value().assign(random(rng, p.value().shape()));
        }
        INDArray x = random(rng, 6, 4);
        INDArray r = random(rng, 6, 4);
        block.forward(x, Pass.train(2, rng));
        INDArray dx = block.backward(r);
        DoubleSupplier loss = () -> project(block.forward(x, Pass.eval(2)), r);
        assertGradient("dx", x, dx, loss);
        for (Parameter p : block.parameters()) {
            assertGradient(p.name(), p.value(), p.grad().dup(), loss);
        }
    }

    @Test
    void shouldGiveEmbeddingAndPoolingGradients() {
        Random rng = new Random(18);
        TokenEmbedding tok = new TokenEmbedding("tok", doubles(5), 5, 3);
        PositionalEmbedding pos = new PositionalEmbedding("pos", doubles(5), 4, 3);
        MeanPool pool = new MeanPool();
        tok.parameters().get(0).setTrainable(true);
        pos.parameters().get(0).setTrainable(true);
        INDArray ids = Nd4j.create(new double[][] {{0, 4, 4}, {2, 1, 0}});
        INDArray r = random(rng, 2, 3);
        DoubleSupplier loss =
                () -> {
                    Pass p = Pass.eval(2);
                    return project(pool.forward(pos.forward(tok.forward(ids, p), p), p), r);
                };
        Pass train = Pass.train(2, rng);
        INDArray pooled = pool.forward(pos.forward(tok.forward(ids, train), train), train);
        assertEquals(
                (tok.parameters().get(0).value().getDouble(0, 1)
                                        + tok.parameters().get(0).value().getDouble(4, 1) * 2)
                                / 3
                        + pos.parameters()
                                .get(0)
                                .value()
                                .get(NDArrayIndex.interval(0, 3), NDArrayIndex.point(1))
                                .meanNumber()
                                .doubleValue(),
                pooled.getDouble(0, 1),
                1e-12);
        INDArray d = pool.backward(r);
        pos.backward(d);
        tok.backward(d);
        for (Parameter p : java.util.List.of(tok.parameters().get(0), pos.parameters().get(0))) {
            assertGradient(p.name(), p.value(), p.grad().dup(), loss);
        }
        assertThrows(
                IllegalArgumentException.class,
                () -> tok.forward(Nd4j.create(new double[][] {{5}}), Pass.eval(1)));
    }
}
