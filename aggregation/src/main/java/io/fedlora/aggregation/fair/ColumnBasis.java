package io.fedlora.aggregation.fair;

import java.util.ArrayList;
import java.util.List;

/**
 * An orthonormal basis {@code U} ({@code out × k}, {@code k ≤} the number of given columns) whose
 * span contains the columns of the given matrices, by modified Gram–Schmidt applied twice ("twice
 * is enough" for orthogonality to rounding). Columns that are already in the span of the earlier
 * ones are dropped, so rank-deficient input (equal clients, {@code G ∥ B̄}) is fine.
 *
 * <p>Why: every term of LoRA-FAIR's cosine gradient ({@code G}, {@code B·ĀĀᵀ}, {@code B − B̄})
 * keeps the columns of {@code B} inside {@code span[G, B̄]} when the iterations start at {@code
 * B̄}, so the solve runs exactly on the {@code k × r} coordinates {@code Z = UᵀB} instead of on
 * {@code out × r} numbers.
 */
final class ColumnBasis {

    /** A column whose norm falls below this fraction of its original norm is in the span. */
    private static final double DEPENDENT = 1e-10;

    final Matrix u;

    private ColumnBasis(Matrix u) {
        this.u = u;
    }

    static ColumnBasis spanning(Matrix... blocks) {
        int out = blocks[0].rows;
        List<double[]> basis = new ArrayList<>();
        for (Matrix block : blocks) {
            if (block.rows != out) {
                throw new IllegalArgumentException(
                        "blocks differ in rows: " + out + " and " + block.rows);
            }
            for (int j = 0; j < block.cols; j++) {
                double[] v = new double[out];
                for (int i = 0; i < out; i++) {
                    v[i] = block.data[i * block.cols + j];
                }
                double original = norm(v);
                if (original == 0) {
                    continue;
                }
                for (int pass = 0; pass < 2; pass++) {
                    for (double[] q : basis) {
                        double d = dot(q, v);
                        for (int i = 0; i < out; i++) {
                            v[i] -= d * q[i];
                        }
                    }
                }
                double rest = norm(v);
                if (rest <= DEPENDENT * original) {
                    continue;
                }
                for (int i = 0; i < out; i++) {
                    v[i] /= rest;
                }
                basis.add(v);
            }
        }
        Matrix u = new Matrix(out, basis.size());
        for (int j = 0; j < basis.size(); j++) {
            double[] q = basis.get(j);
            for (int i = 0; i < out; i++) {
                u.data[i * u.cols + j] = q[i];
            }
        }
        return new ColumnBasis(u);
    }

    /** Number of basis vectors k. */
    int size() {
        return u.cols;
    }

    /** Coordinates {@code Uᵀ·x} ({@code k × cols}). */
    Matrix coordinates(Matrix x) {
        return u.transposeTimes(x);
    }

    /** {@code U·z} ({@code out × cols}). */
    Matrix lift(Matrix z) {
        return u.times(z);
    }

    private static double dot(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }

    private static double norm(double[] x) {
        return Math.sqrt(dot(x, x));
    }
}
