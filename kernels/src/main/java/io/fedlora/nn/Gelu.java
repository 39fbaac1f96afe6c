package io.fedlora.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * GELU in its tanh form (GPT-2, PyTorch {@code approximate="tanh"}): {@code y = ½·x·(1 + tanh(u))},
 * {@code u = √(2/π)·(x + 0.044715·x³)}. Element-wise, any shape.
 */
public final class Gelu {

    private static final double C = Math.sqrt(2 / Math.PI);
    private static final double K = 0.044715;

    private INDArray input;
    private INDArray tanhU;

    public INDArray forward(INDArray x, Pass pass) {
        INDArray x2 = x.mul(x);
        INDArray u = x2.mul(K).addi(1).muli(x).muli(C);
        INDArray t = Transforms.tanh(u, false);
        if (pass.training()) {
            input = x;
            tanhU = t;
        }
        return t.add(1).muli(x).muli(0.5);
    }

    public INDArray backward(INDArray dy) {
        // dy/dx = ½(1 + t) + ½·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²)
        INDArray x = input;
        INDArray t = tanhU;
        INDArray sech2 = t.mul(t).rsubi(1);
        INDArray du = x.mul(x).muli(3 * K).addi(1).muli(C);
        INDArray d = sech2.muli(du).muli(x).addi(t).addi(1).muli(0.5);
        input = null;
        tanhU = null;
        return d.muli(dy);
    }
}
