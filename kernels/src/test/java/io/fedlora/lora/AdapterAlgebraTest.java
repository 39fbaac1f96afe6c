package io.fedlora.lora;

import static io.fedlora.lora.AdapterFixtures.SHAPES;
import static io.fedlora.lora.AdapterFixtures.denseProduct;
import static io.fedlora.lora.AdapterFixtures.maxAbsDiff;
import static io.fedlora.lora.AdapterFixtures.randomAdapter;
import static io.fedlora.lora.AdapterFixtures.toDoubles;
import static io.fedlora.lora.AdapterFixtures.tolerance;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class AdapterAlgebraTest {

    private static final int R = 4;
    private static final double ALPHA = 8;

    /** Every tensor of the adapter, by a stable key, as a flat double array. */
    private static Map<String, double[]> tensors(Adapter adapter) {
        Map<String, double[]> out = new LinkedHashMap<>();
        Function<INDArray, double[]> flat =
                x -> x.castTo(DataType.DOUBLE).reshape(x.length()).toDoubleVector();
        adapter.modules()
                .forEach(
                        (name, p) -> {
                            out.put(name + ".A", flat.apply(p.a()));
                            out.put(name + ".B", flat.apply(p.b()));
                        });
        adapter.modulesToSave().forEach((name, x) -> out.put(name, flat.apply(x)));
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"DOUBLE", "FLOAT"})
    void shouldTakeWeightedSumOfFactorsAndSavedModules(String typeName) {
        DataType type = DataType.valueOf(typeName);
        List<Adapter> adapters =
                List.of(
                        randomAdapter(1, type, R, ALPHA, SHAPES),
                        randomAdapter(2, type, R, ALPHA, SHAPES),
                        randomAdapter(3, type, R, ALPHA, SHAPES));
        double[] w = {0.5, -1.25, 2};

        Adapter sum = AdapterSums.weightedSum(adapters, w);

        assertEquals(R, sum.rank());
        assertEquals(ALPHA, sum.alpha());
        assertEquals(List.of("q", "v"), sum.targetModules());
        Map<String, double[]> expected = new LinkedHashMap<>();
        for (int i = 0; i < adapters.size(); i++) {
            double wi = w[i];
            tensors(adapters.get(i))
                    .forEach(
                            (key, values) -> {
                                double[] acc =
                                        expected.computeIfAbsent(
                                                key, k -> new double[values.length]);
                                for (int j = 0; j < values.length; j++) {
                                    acc[j] += wi * values[j];
                                }
                            });
        }
        Map<String, double[]> actual = tensors(sum);
        assertEquals(expected.keySet(), actual.keySet());
        // 5 keys per 3 modules: m0.A … m2.B, head.bias, head.weight
        assertEquals(2 * SHAPES.length + 2, actual.size());
        expected.forEach(
                (key, values) -> assertArrayEquals(values, actual.get(key), tolerance(type), key));
        sum.modules().values().forEach(p -> assertEquals(type, p.a().dataType()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"DOUBLE", "FLOAT"})
    void shouldScaleAndAddElementWise(String typeName) {
        DataType type = DataType.valueOf(typeName);
        Adapter x = randomAdapter(4, type, R, ALPHA, SHAPES);
        Adapter y = randomAdapter(5, type, R, ALPHA, SHAPES);

        Map<String, double[]> scaled = tensors(x.scale(-3));
        Map<String, double[]> added = tensors(x.plus(y));
        Map<String, double[]> xs = tensors(x);
        Map<String, double[]> ys = tensors(y);
        for (String key : xs.keySet()) {
            double[] expectScaled = xs.get(key).clone();
            double[] expectAdded = xs.get(key).clone();
            for (int j = 0; j < expectScaled.length; j++) {
                expectScaled[j] *= -3;
                expectAdded[j] += ys.get(key)[j];
            }
            assertArrayEquals(expectScaled, scaled.get(key), tolerance(type), key);
            assertArrayEquals(expectAdded, added.get(key), tolerance(type), key);
        }
        // scale(c) is on the parameters, so ΔW scales by c².
        assertEquals(
                0,
                maxAbsDiff(
                        AdapterFixtures.add(new double[5][7], 9, toDoubles(x.deltaW("m0"))),
                        toDoubles(x.scale(-3).deltaW("m0"))),
                100 * tolerance(type));
    }

    @ParameterizedTest
    @ValueSource(strings = {"DOUBLE", "FLOAT"})
    void shouldComputeDeltaWAsScaleTimesBTimesA(String typeName) {
        DataType type = DataType.valueOf(typeName);
        Adapter x = randomAdapter(6, type, R, ALPHA, SHAPES);
        for (String name : x.modules().keySet()) {
            INDArray deltaW = x.deltaW(name);
            assertEquals(type, deltaW.dataType());
            assertEquals(
                    0,
                    maxAbsDiff(denseProduct(ALPHA / R, x.module(name)), toDoubles(deltaW)),
                    10 * tolerance(type),
                    name);
        }
    }

    @Test
    void shouldNameTheMissingModule() {
        Adapter full = randomAdapter(7, DataType.DOUBLE, R, ALPHA, SHAPES);
        Adapter partial =
                randomAdapter(8, DataType.DOUBLE, R, ALPHA, new int[][] {SHAPES[0], SHAPES[1]});
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> full.plus(partial));
        assertEquals("adapter #1 does not match adapter #0: module m2 is missing", e.getMessage());
    }

    @Test
    void shouldNameTheModuleWithAnotherShape() {
        Adapter x = randomAdapter(9, DataType.DOUBLE, R, ALPHA, SHAPES);
        Adapter y =
                randomAdapter(
                        10, DataType.DOUBLE, R, ALPHA, new int[][] {SHAPES[0], {6, 5}, SHAPES[2]});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.plus(y));
        assertEquals(
                "adapter #1 does not match adapter #0: module m1 has shape out=6, in=5 where"
                        + " out=6, in=4 is expected",
                e.getMessage());
    }

    @Test
    void shouldRejectAnotherRankAlphaOrDataType() {
        Adapter x = randomAdapter(11, DataType.DOUBLE, R, ALPHA, SHAPES);
        Adapter rank3 = randomAdapter(12, DataType.DOUBLE, 3, ALPHA, SHAPES);
        Adapter alpha16 = randomAdapter(13, DataType.DOUBLE, R, 16, SHAPES);
        Adapter floats = randomAdapter(14, DataType.FLOAT, R, ALPHA, SHAPES);
        assertEquals(
                "adapter #1 does not match adapter #0: rank 3 where 4 is expected",
                assertThrows(IllegalArgumentException.class, () -> x.plus(rank3)).getMessage());
        assertEquals(
                "adapter #1 does not match adapter #0: lora_alpha 16.0 where 8.0 is expected",
                assertThrows(IllegalArgumentException.class, () -> x.plus(alpha16)).getMessage());
        assertEquals(
                "adapter #1 does not match adapter #0: m0 lora_A is FLOAT where DOUBLE is expected",
                assertThrows(IllegalArgumentException.class, () -> x.plus(floats)).getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> AdapterSums.weightedSum(List.of(x, x), new double[] {1}));
    }

    @ParameterizedTest
    @ValueSource(strings = {"DOUBLE", "FLOAT"})
    void shouldTruncateToTheFirstComponentsOfDeltaW(String typeName) {
        DataType type = DataType.valueOf(typeName);
        Adapter x = randomAdapter(15, type, R, ALPHA, SHAPES);
        int k = 2;

        Adapter t = x.truncate(k);

        assertEquals(k, t.rank());
        assertEquals(ALPHA * k / R, t.alpha(), 1e-15);
        assertEquals(x.scale(), t.scale(), 1e-15);
        for (String name : x.modules().keySet()) {
            double[][] a = toDoubles(x.module(name).a());
            double[][] b = toDoubles(x.module(name).b());
            double[][] expected = new double[b.length][a[0].length];
            for (int j = 0; j < k; j++) { // Σ_{j<k} s·b_j·a_jᵀ
                for (int o = 0; o < b.length; o++) {
                    for (int i = 0; i < a[0].length; i++) {
                        expected[o][i] += x.scale() * b[o][j] * a[j][i];
                    }
                }
            }
            assertEquals(0, maxAbsDiff(expected, toDoubles(t.deltaW(name))), 10 * tolerance(type));
        }
        assertEquals(x.modulesToSave(), t.modulesToSave());
        assertThrows(IllegalArgumentException.class, () -> x.truncate(R + 1));
        assertThrows(IllegalArgumentException.class, () -> x.truncate(0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"DOUBLE", "FLOAT"})
    void shouldZeroPadWithoutChangingDeltaW(String typeName) {
        DataType type = DataType.valueOf(typeName);
        Adapter x = randomAdapter(16, type, R, ALPHA, SHAPES);

        Adapter padded = x.zeroPad(7);

        assertEquals(7, padded.rank());
        assertEquals(ALPHA * 7 / R, padded.alpha(), 1e-12);
        for (String name : x.modules().keySet()) {
            assertArrayEquals(
                    x.deltaW(name).castTo(DataType.DOUBLE).toDoubleMatrix(),
                    padded.deltaW(name).castTo(DataType.DOUBLE).toDoubleMatrix(),
                    name);
            INDArray extraRows =
                    padded.module(name)
                            .a()
                            .get(
                                    org.nd4j.linalg.indexing.NDArrayIndex.interval(R, 7),
                                    org.nd4j.linalg.indexing.NDArrayIndex.all());
            assertEquals(0, extraRows.norm2Number().doubleValue());
        }
        Adapter back = padded.truncate(R);
        assertEquals(ALPHA, back.alpha(), 1e-12);
        for (String name : x.modules().keySet()) {
            assertEquals(x.module(name).a(), back.module(name).a());
            assertEquals(x.module(name).b(), back.module(name).b());
        }
        assertThrows(IllegalArgumentException.class, () -> x.zeroPad(R - 1));
    }

    @Test
    void shouldDetectNonFiniteValues() {
        Adapter x = randomAdapter(17, DataType.FLOAT, R, ALPHA, SHAPES);
        assertTrue(x.allFinite());

        Map<String, LoraPair> withNaN = new LinkedHashMap<>(x.modules());
        INDArray b = x.module("m1").b().dup();
        b.putScalar(2, 1, Float.NaN);
        withNaN.put("m1", new LoraPair(x.module("m1").a(), b));
        assertFalse(
                new Adapter(withNaN, R, ALPHA, x.targetModules(), x.modulesToSave()).allFinite());

        Map<String, INDArray> withInf = new LinkedHashMap<>(x.modulesToSave());
        withInf.put(
                "head.bias",
                Nd4j.create(new float[] {0, Float.NEGATIVE_INFINITY, 1}, new long[] {3}));
        assertFalse(new Adapter(x.modules(), R, ALPHA, x.targetModules(), withInf).allFinite());
    }
}
