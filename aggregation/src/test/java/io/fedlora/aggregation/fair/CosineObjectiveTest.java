package io.fedlora.aggregation.fair;

import static io.fedlora.aggregation.fair.FairFixtures.clients;
import static io.fedlora.aggregation.fair.FairFixtures.cosineGradient;
import static io.fedlora.aggregation.fair.FairFixtures.cosineObjective;
import static io.fedlora.aggregation.fair.FairFixtures.dense;
import static io.fedlora.aggregation.fair.FairFixtures.ideal;
import static io.fedlora.aggregation.fair.FairFixtures.matmul;
import static io.fedlora.aggregation.fair.FairFixtures.maxAbsDiff;
import static io.fedlora.aggregation.fair.FairFixtures.norm;
import static io.fedlora.aggregation.fair.FairFixtures.transpose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.lora.LoraPair;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

class CosineObjectiveTest {

    private static Matrix matrix(double[][] x) {
        Matrix m = new Matrix(x.length, x[0].length);
        for (int i = 0; i < x.length; i++) {
            System.arraycopy(x[i], 0, m.data, i * m.cols, m.cols);
        }
        return m;
    }

    private static double[][] array(Matrix m) {
        double[][] x = new double[m.rows][m.cols];
        for (int i = 0; i < m.rows; i++) {
            System.arraycopy(m.data, i * m.cols, x[i], 0, m.cols);
        }
        return x;
    }

    /**
     * The factored value and analytic gradient against the dense objective and its central finite
     * differences, at points away from B̄, for several factor scales (the gradient grows as 1/‖B‖).
     */
    @ParameterizedTest
    @ValueSource(doubles = {1e-3, 1, 30})
    void gradientMatchesFiniteDifferencesOfTheDenseObjective(double bScale) {
        Random rnd = new Random(7);
        int out = 6;
        int in = 5;
        int r = 3;
        List<LoraPair> pairs = clients(rnd, out, in, new int[] {3, 3, 2}, 1, bScale, 0.5);
        double[] c = {0.5, 0.3, 0.2};
        double[][] x = ideal(pairs, c);
        INDArray aBarNd = FairFixtures.gaussian(rnd, 1, r, in);
        double[][] aBar = dense(aBarNd);
        double[][] bBar = dense(FairFixtures.gaussian(rnd, bScale, out, r));
        double[][] b = dense(FairFixtures.gaussian(rnd, bScale, out, r));
        double lambda = 0.37 / (bScale * bScale);

        Matrix g = matrix(matmul(x, transpose(aBar)));
        Matrix m = matrix(matmul(aBar, transpose(aBar)));
        CosineObjective f = new CosineObjective(g, matrix(bBar), m, norm(x), lambda);

        double dense = cosineObjective(x, b, aBar, bBar, lambda);
        assertEquals(dense, f.value(matrix(b)), 1e-12 * Math.max(1, Math.abs(dense)));

        double[][] analytic = array(f.gradient(matrix(b)));
        assertTrue(
                maxAbsDiff(analytic, cosineGradient(x, b, aBar, bBar, lambda))
                        <= 1e-10 * norm(analytic));
        double h = 1e-5 * bScale;
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < r; j++) {
                double[][] plus = copy(b);
                double[][] minus = copy(b);
                plus[i][j] += h;
                minus[i][j] -= h;
                double numeric =
                        (cosineObjective(x, plus, aBar, bBar, lambda)
                                        - cosineObjective(x, minus, aBar, bBar, lambda))
                                / (2 * h);
                assertEquals(numeric, analytic[i][j], 1e-6 * norm(analytic), "∂f/∂B" + i + j);
            }
        }
    }

    private static double[][] copy(double[][] x) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i].clone();
        }
        return out;
    }
}
