package io.fedlora.aggregation;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@code y += a·x} in place, through BLAS axpy: no temporary {@code a·x} array is allocated. */
final class Axpy {

    private Axpy() {}

    static void addScaled(INDArray y, INDArray x, double a) {
        if (!Arrays.equals(y.shape(), x.shape())) {
            throw new IllegalArgumentException(
                    "cannot add a "
                            + Arrays.toString(x.shape())
                            + " tensor to a "
                            + Arrays.toString(y.shape())
                            + " sum");
        }
        if (x.dataType() != y.dataType()) {
            x = x.castTo(y.dataType());
        }
        if (x.isView() || y.isView()) {
            // BLAS sees a flat buffer; a strided view would be read wrongly.
            y.addi(x.mul(a));
            return;
        }
        Nd4j.getBlasWrapper().level1().axpy(y.length(), a, x, y);
    }
}
