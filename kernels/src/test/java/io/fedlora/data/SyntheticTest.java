package io.fedlora.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SyntheticTest {

    @Test
    void shouldBeAFunctionOfTheSeed() {
        Synthetic task = Synthetic.of(1, 1);
        Synthetic.Clients a = task.generate(new int[] {30, 40}, 5);
        Synthetic.Clients b = task.generate(new int[] {30, 40, 50}, 5);
        Synthetic.Clients c = task.generate(new int[] {30, 40}, 6);
        assertArrayEquals(a.data().get(1).allFeatures(), b.data().get(1).allFeatures(), 0f);
        assertArrayEquals(a.data().get(1).labels(), b.data().get(1).labels());
        assertFalse(
                java.util.Arrays.equals(
                        a.data().get(1).allFeatures(), c.data().get(1).allFeatures()));
        assertEquals(40, a.data().get(1).size());
        assertEquals(60, a.data().get(0).featureCount());
    }

    @Test
    void shouldLabelByTheClientsOwnShiftedModel() {
        Synthetic.Clients clients = Synthetic.of(1, 1).generate(new int[] {500, 500, 500}, 9);
        for (int k = 0; k < 3; k++) {
            ArrayDataset data = clients.data().get(k);
            int agreeWithBase = 0;
            for (int i = 0; i < data.size(); i++) {
                float[] x = data.features(i);
                assertEquals(Synthetic.argmax(clients.weights().get(k), x), data.label(i));
                agreeWithBase +=
                        Synthetic.argmax(clients.baseWeights(), x) == data.label(i) ? 1 : 0;
            }
            // A shift as large as the base weights changes many labels, but not all.
            assertTrue(agreeWithBase < data.size(), "client " + k);
            assertTrue(agreeWithBase > data.size() / 10, "client " + k + ": " + agreeWithBase);
        }
    }

    @Test
    void shouldShiftByALowRankMatrix() {
        Synthetic task = new Synthetic(0.5, 0, 6, 8, 2);
        Synthetic.Clients clients = task.generate(new int[] {1}, 3);
        double[][] shift = new double[6][8];
        for (int c = 0; c < 6; c++) {
            for (int j = 0; j < 8; j++) {
                shift[c][j] = clients.weights().get(0)[c][j] - clients.baseWeights()[c][j];
            }
        }
        assertEquals(2, rank(shift, 1e-9));
        double[][] fullRank =
                new Synthetic(0.5, 0, 6, 8, 5).generate(new int[] {1}, 3).weights().get(0);
        assertEquals(6, rank(fullRank, 1e-9));
    }

    /** Rank by Gaussian elimination with partial pivoting, relative tolerance. */
    private static int rank(double[][] matrix, double tolerance) {
        double[][] m = new double[matrix.length][];
        double scale = 0;
        for (int i = 0; i < m.length; i++) {
            m[i] = matrix[i].clone();
            for (double v : m[i]) {
                scale = Math.max(scale, Math.abs(v));
            }
        }
        int rank = 0;
        for (int col = 0; col < m[0].length && rank < m.length; col++) {
            int pivot = rank;
            for (int i = rank; i < m.length; i++) {
                if (Math.abs(m[i][col]) > Math.abs(m[pivot][col])) {
                    pivot = i;
                }
            }
            if (Math.abs(m[pivot][col]) <= tolerance * scale) {
                continue;
            }
            double[] t = m[pivot];
            m[pivot] = m[rank];
            m[rank] = t;
            for (int i = rank + 1; i < m.length; i++) {
                double f = m[i][col] / m[rank][col];
                for (int j = col; j < m[i].length; j++) {
                    m[i][j] -= f * m[rank][j];
                }
            }
            rank++;
        }
        return rank;
    }

    @Test
    void shouldDrawInputsWithTheFedProxCovariance() {
        // β = 0 and one client: x_j varies only through Σ, so Var(x_j) = j^−1.2.
        ArrayDataset data =
                new Synthetic(0, 0, 3, 10, 1).generate(new int[] {20_000}, 2).data().get(0);
        for (int j : new int[] {0, 4, 9}) {
            double sum = 0;
            double squares = 0;
            for (int i = 0; i < data.size(); i++) {
                double x = data.features(i)[j];
                sum += x;
                squares += x * x;
            }
            double mean = sum / data.size();
            double variance = squares / data.size() - mean * mean;
            double expected = Math.pow(j + 1, -1.2);
            // The sample variance's relative standard error is sqrt(2/n) = 1%.
            assertEquals(expected, variance, 0.05 * expected, "coordinate " + j);
        }
    }

    @Test
    void shouldDrawLogNormalSizesAboveTheMinimum() {
        int[] sizes = Synthetic.logNormalSizes(200, 4, 2, 50, 1);
        int[] again = Synthetic.logNormalSizes(200, 4, 2, 50, 1);
        assertArrayEquals(sizes, again);
        double logSum = 0;
        for (int size : sizes) {
            assertTrue(size >= 50);
            logSum += Math.log(size - 50 + 0.5);
        }
        // The mean of 200 N(4, 4) draws has a standard error of about 0.14.
        assertEquals(4, logSum / sizes.length, 0.6);
    }
}
