package io.fedlora.lora;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Small INDArray checks shared by the adapter algebra. */
public final class Tensors {

    private Tensors() {}

    /** True when no element is NaN or ±infinity. */
    public static boolean allFinite(INDArray x) {
        if (x.isEmpty()) {
            return true;
        }
        return !x.isNaN().any() && !x.isInfinite().any();
    }

    /** Shape as {@code 3×5}, for error messages. */
    static String shapeText(INDArray x) {
        return shapeText(x.shape());
    }

    static String shapeText(long[] shape) {
        if (shape.length == 0) {
            return "scalar";
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            text.append(i == 0 ? "" : "×").append(shape[i]);
        }
        return text.toString();
    }

    /** Sum of squares of all elements (ND4J reduces in the array's own precision). */
    static double sumOfSquares(INDArray x) {
        if (x.isEmpty()) {
            return 0;
        }
        double norm = x.norm2Number().doubleValue();
        return norm * norm;
    }
}
