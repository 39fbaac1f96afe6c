package io.fedlora.lora;

import static io.fedlora.lora.AdapterFixtures.add;
import static io.fedlora.lora.AdapterFixtures.denseProduct;
import static io.fedlora.lora.AdapterFixtures.frobeniusNorm;
import static io.fedlora.lora.AdapterFixtures.gaussian;
import static io.fedlora.lora.AdapterFixtures.maxAbsDiff;
import static io.fedlora.lora.AdapterFixtures.toDoubles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class TruncatedSvdTest {

    /** Columns orthonormalised by modified Gram–Schmidt, in plain Java. */
    private static double[][] orthonormalColumns(Random rnd, int rows, int cols) {
        double[][] q = new double[rows][cols];
        for (int j = 0; j < cols; j++) {
            double[] v = new double[rows];
            for (int i = 0; i < rows; i++) {
                v[i] = rnd.nextGaussian();
            }
            for (int p = 0; p < j; p++) {
                double dot = 0;
                for (int i = 0; i < rows; i++) {
                    dot += q[i][p] * v[i];
                }
                for (int i = 0; i < rows; i++) {
                    v[i] -= dot * q[i][p];
                }
            }
            double norm = 0;
            for (double x : v) {
                norm += x * x;
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < rows; i++) {
                q[i][j] = v[i] / norm;
            }
        }
        return q;
    }

    private static double tolerance(DataType type) {
        return type == DataType.DOUBLE ? 1e-9 : 2e-4;
    }

    @ParameterizedTest
    @ValueSource(strings = {"DOUBLE", "FLOAT"})
    void shouldLoseExactlyTheDiscardedSingularValues(String typeName) {
        DataType type = DataType.valueOf(typeName);
        Random rnd = new Random(21);
        double[] spectrum = {5, 4, 3, 2, 1};
        double[][] u = orthonormalColumns(rnd, 8, 5);
        double[][] v = orthonormalColumns(rnd, 6, 5);
        double[][] us = new double[8][5];
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 5; j++) {
                us[i][j] = u[i][j] * spectrum[j];
            }
        }
        double[][] vt = new double[5][6];
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 6; j++) {
                vt[i][j] = v[j][i];
            }
        }
        double[][] m = AdapterFixtures.matmul(1, us, vt);
        for (boolean wide : new boolean[] {false, true}) {
            double[][] input = wide ? transpose(m) : m;
            INDArray dense = Nd4j.create(input).castTo(type);

            TruncatedSvd svd = TruncatedSvd.of(dense, 3);

            assertEquals(type, svd.u().dataType());
            assertArrayEquals(
                    new double[] {5, 4, 3},
                    svd.singularValues().castTo(DataType.DOUBLE).toDoubleVector(),
                    tolerance(type));
            double error = frobeniusNorm(add(input, -1, toDoubles(svd.product())));
            assertEquals(Math.sqrt(2 * 2 + 1 * 1), error, tolerance(type));
            // U has orthonormal columns, Vᵀ orthonormal rows.
            assertIdentity(svd.u().transpose().mmul(svd.u()), type);
            assertIdentity(svd.vt().mmul(svd.vt().transpose()), type);
        }
    }

    private static double[][] transpose(double[][] x) {
        double[][] t = new double[x[0].length][x.length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[0].length; j++) {
                t[j][i] = x[i][j];
            }
        }
        return t;
    }

    private static void assertIdentity(INDArray m, DataType type) {
        double[][] x = toDoubles(m);
        double[][] eye = new double[x.length][x.length];
        for (int i = 0; i < x.length; i++) {
            eye[i][i] = 1;
        }
        assertEquals(0, maxAbsDiff(eye, x), tolerance(type));
    }

    /** Σ cᵢ·Bᵢ·Aᵢ by loops. */
    private static double[][] denseSum(List<LoraPair> pairs, double[] c) {
        double[][] sum = denseProduct(c[0], pairs.get(0));
        for (int i = 1; i < pairs.size(); i++) {
            sum = add(sum, 1, denseProduct(c[i], pairs.get(i)));
        }
        return sum;
    }

    private static List<LoraPair> pairs(long seed, DataType type, int out, int in, int... ranks) {
        Random rnd = new Random(seed);
        return java.util.Arrays.stream(ranks)
                .mapToObj(
                        r -> new LoraPair(gaussian(rnd, type, r, in), gaussian(rnd, type, out, r)))
                .toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"DOUBLE", "FLOAT"})
    void shouldRefactorASumLikeTheDenseSvd(String typeName) {
        DataType type = DataType.valueOf(typeName);
        // out=12 and in=10 exceed R=7: both QRs are taken.
        List<LoraPair> ps = pairs(22, type, 12, 10, 2, 3, 2);
        double[] c = {0.5, -0.3, 0.8};
        double[][] dense = denseSum(ps, c);

        TruncatedSvd factored = TruncatedSvd.ofSum(ps, c, 3);
        TruncatedSvd reference = TruncatedSvd.of(Nd4j.create(dense).castTo(type), 3);

        double scale = 16.0 / 3;
        assertArrayEquals(
                reference.singularValues().castTo(DataType.DOUBLE).toDoubleVector(),
                factored.singularValues().castTo(DataType.DOUBLE).toDoubleVector(),
                tolerance(type));
        assertEquals(
                0,
                maxAbsDiff(toDoubles(reference.product()), toDoubles(factored.product())),
                tolerance(type));
        // FlexLoRA's convention: s·B·A is the truncated product and A = Vᵀ.
        LoraPair pair = factored.toPair(scale);
        assertEquals(3, pair.rank());
        assertEquals(
                0,
                maxAbsDiff(toDoubles(factored.product()), denseProduct(scale, pair)),
                tolerance(type));
        assertIdentity(pair.a().mmul(pair.a().transpose()), type);
        // Keeping every component reproduces the sum exactly.
        assertEquals(
                0,
                maxAbsDiff(dense, toDoubles(TruncatedSvd.ofSum(ps, c, 7).product())),
                tolerance(type));
    }

    @ParameterizedTest
    @ValueSource(strings = {"DOUBLE", "FLOAT"})
    void shouldHandleShortFactorsAndPadMissingComponents(String typeName) {
        DataType type = DataType.valueOf(typeName);
        // out=4 and in=5 are below R=9: no QR, and rank 6 exceeds min(out, in)=4.
        List<LoraPair> ps = pairs(23, type, 4, 5, 3, 3, 3);
        double[] c = {1, 2, -1};
        double[][] dense = denseSum(ps, c);

        TruncatedSvd svd = TruncatedSvd.ofSum(ps, c, 6);

        assertEquals(6, svd.rank());
        assertEquals(0, maxAbsDiff(dense, toDoubles(svd.product())), tolerance(type));
        double[] s = svd.singularValues().castTo(DataType.DOUBLE).toDoubleVector();
        assertEquals(0, s[4]);
        assertEquals(0, s[5]);
        TruncatedSvd rank2 = TruncatedSvd.ofSum(ps, c, 2);
        TruncatedSvd denseRank2 = TruncatedSvd.of(Nd4j.create(dense).castTo(type), 2);
        assertEquals(
                0,
                maxAbsDiff(toDoubles(denseRank2.product()), toDoubles(rank2.product())),
                tolerance(type));
    }

    @ParameterizedTest
    @ValueSource(strings = {"DOUBLE"})
    void shouldRejectMismatchedProducts(String typeName) {
        DataType type = DataType.valueOf(typeName);
        List<LoraPair> ps =
                List.of(pairs(24, type, 4, 5, 2).get(0), pairs(25, type, 4, 6, 2).get(0));
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> TruncatedSvd.ofSum(ps, new double[] {1, 1}, 2));
        assertEquals("product #1 is 4×6 DOUBLE but product #0 is 4×5 DOUBLE", e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> TruncatedSvd.ofSum(ps.subList(0, 1), new double[] {1, 1}, 2));
    }
}
