package io.fedlora.aggregation.fair;

/**
 * The closed form of LoRA-FAIR's ridge mode: {@code argmin_B ‖ideal − B·Ā‖²_F + λ‖B − B̄‖²_F}. Its
 * normal equations {@code B·(ĀĀᵀ + λI) = ideal·Āᵀ + λB̄ = G + λB̄} are an {@code r × r} symmetric
 * positive definite system (for {@code λ > 0}), solved row by row through one Cholesky
 * factorisation: {@code O(r³ + out·r²)}, never an inverse.
 */
final class RidgeSolve {

    private RidgeSolve() {}

    /**
     * @param g {@code ideal·Āᵀ}, {@code out × r}
     * @param bBar the averaged B, {@code out × r}
     * @param m {@code ĀĀᵀ}, {@code r × r}
     * @param lambda the penalty, {@code > 0}
     */
    static Matrix solve(Matrix g, Matrix bBar, Matrix m, double lambda) {
        int r = m.rows;
        Matrix system = m.plusScaled(lambda, Matrix.identity(r));
        double[] l = cholesky(system);
        Matrix rhs = g.plusScaled(lambda, bBar);
        Matrix b = new Matrix(rhs.rows, r);
        double[] y = new double[r];
        for (int row = 0; row < rhs.rows; row++) {
            // (M + λI)·xᵀ = rhsᵀ: forward with L, back with Lᵀ.
            for (int i = 0; i < r; i++) {
                double s = rhs.data[row * r + i];
                for (int k = 0; k < i; k++) {
                    s -= l[i * r + k] * y[k];
                }
                y[i] = s / l[i * r + i];
            }
            for (int i = r - 1; i >= 0; i--) {
                double s = y[i];
                for (int k = i + 1; k < r; k++) {
                    s -= l[k * r + i] * b.data[row * r + k];
                }
                b.data[row * r + i] = s / l[i * r + i];
            }
        }
        return b;
    }

    /** Lower-triangular L with {@code L·Lᵀ = a}, row-major. */
    static double[] cholesky(Matrix a) {
        int n = a.rows;
        double[] l = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a.get(i, j);
                for (int k = 0; k < j; k++) {
                    s -= l[i * n + k] * l[j * n + k];
                }
                if (i == j) {
                    if (!(s > 0)) {
                        throw new IllegalArgumentException(
                                "ĀĀᵀ + λI is not positive definite (pivot "
                                        + s
                                        + " at "
                                        + i
                                        + "): λ must be > 0");
                    }
                    l[i * n + i] = Math.sqrt(s);
                } else {
                    l[i * n + j] = s / l[j * n + j];
                }
            }
        }
        return l;
    }
}
