package io.fedlora.lora;

import static io.fedlora.lora.AdapterFixtures.add;
import static io.fedlora.lora.AdapterFixtures.denseProduct;
import static io.fedlora.lora.AdapterFixtures.frobeniusInner;
import static io.fedlora.lora.AdapterFixtures.frobeniusNorm;
import static io.fedlora.lora.AdapterFixtures.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;

class FactoredProductsTest {

    private static LoraPair pair(Random rnd, DataType type, int out, int in, int r) {
        return new LoraPair(gaussian(rnd, type, r, in), gaussian(rnd, type, out, r));
    }

    /** Relative tolerance: the values are sums of many products of order-1 numbers. */
    private static void assertClose(double expected, double actual, DataType type) {
        double rel = type == DataType.DOUBLE ? 1e-12 : 1e-5;
        assertEquals(expected, actual, rel * Math.max(1, Math.abs(expected)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"DOUBLE", "FLOAT"})
    void shouldMatchDenseInnerProductsAndNorms(String typeName) {
        DataType type = DataType.valueOf(typeName);
        Random rnd = new Random(31);
        // Different ranks on purpose (heterogeneous clients).
        LoraPair x = pair(rnd, type, 9, 7, 3);
        LoraPair y = pair(rnd, type, 9, 7, 5);
        double[][] dx = denseProduct(1, x);
        double[][] dy = denseProduct(1, y);

        assertClose(frobeniusInner(dx, dy), FactoredProducts.inner(x, y), type);
        assertClose(frobeniusInner(dy, dx), FactoredProducts.inner(y, x), type);
        assertClose(frobeniusNorm(dx), FactoredProducts.frobeniusNorm(x), type);
    }

    @ParameterizedTest
    @ValueSource(strings = {"DOUBLE", "FLOAT"})
    void shouldMatchDenseInnerProductsOfWeightedSums(String typeName) {
        DataType type = DataType.valueOf(typeName);
        Random rnd = new Random(32);
        List<LoraPair> xs = List.of(pair(rnd, type, 6, 8, 2), pair(rnd, type, 6, 8, 4));
        List<LoraPair> ys =
                List.of(
                        pair(rnd, type, 6, 8, 3),
                        pair(rnd, type, 6, 8, 3),
                        pair(rnd, type, 6, 8, 1));
        double[] cx = {0.7, -1.1};
        double[] cy = {0.2, 0.5, -2};
        double[][] dx = add(denseProduct(cx[0], xs.get(0)), 1, denseProduct(cx[1], xs.get(1)));
        double[][] dy = denseProduct(cy[0], ys.get(0));
        dy = add(dy, 1, denseProduct(cy[1], ys.get(1)));
        dy = add(dy, 1, denseProduct(cy[2], ys.get(2)));

        assertClose(frobeniusInner(dx, dy), FactoredProducts.inner(xs, cx, ys, cy), type);
        assertClose(frobeniusNorm(dy), FactoredProducts.frobeniusNorm(ys, cy), type);
        assertClose(
                frobeniusInner(dx, dy) / (frobeniusNorm(dx) * frobeniusNorm(dy)),
                FactoredProducts.cosine(xs, cx, ys, cy),
                type);
        double[][] gram = FactoredProducts.gram(ys);
        for (int i = 0; i < ys.size(); i++) {
            for (int j = 0; j < ys.size(); j++) {
                assertClose(
                        frobeniusInner(denseProduct(1, ys.get(i)), denseProduct(1, ys.get(j))),
                        gram[i][j],
                        type);
            }
        }
    }

    @Test
    void shouldRejectProductsOfDifferentShapes() {
        Random rnd = new Random(33);
        LoraPair x = pair(rnd, DataType.DOUBLE, 6, 8, 2);
        LoraPair y = pair(rnd, DataType.DOUBLE, 6, 9, 2);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> FactoredProducts.inner(x, y));
        assertEquals("products differ in shape: 6×8 and 6×9", e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> FactoredProducts.frobeniusNorm(List.of(x), new double[] {1, 2}));
    }
}
