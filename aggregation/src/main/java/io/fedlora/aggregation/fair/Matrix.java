package io.fedlora.aggregation.fair;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A row-major matrix of doubles for the thin and tiny matrices of LoRA-FAIR's solve: {@code out ×
 * r} factors and {@code r × r} or {@code 2r × r} reduced problems. A solver iterates a thousand
 * times on {@code 2r × r} numbers, where ND4J's per-call overhead would cost more than the
 * arithmetic, so these few operations run as plain loops.
 */
final class Matrix {

    final int rows;
    final int cols;
    final double[] data;

    Matrix(int rows, int cols) {
        this(rows, cols, new double[Math.multiplyExact(rows, cols)]);
    }

    private Matrix(int rows, int cols, double[] data) {
        this.rows = rows;
        this.cols = cols;
        this.data = data;
    }

    static Matrix of(INDArray m) {
        if (m.rank() != 2) {
            throw new IllegalArgumentException("expected a matrix, got rank " + m.rank());
        }
        boolean plain =
                !m.isView()
                        && m.ordering() == 'c'
                        && m.offset() == 0
                        && m.data().length() == m.length();
        INDArray c = plain ? m : m.dup('c');
        double[] values;
        if (c.dataType() == DataType.DOUBLE) {
            values = c.data().asDouble();
        } else if (c.dataType() == DataType.FLOAT) {
            float[] f = c.data().asFloat();
            values = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                values[i] = f[i];
            }
        } else {
            values = c.castTo(DataType.DOUBLE).data().asDouble();
        }
        return new Matrix((int) m.rows(), (int) m.columns(), values);
    }

    static Matrix identity(int n) {
        Matrix m = new Matrix(n, n);
        for (int i = 0; i < n; i++) {
            m.data[i * n + i] = 1;
        }
        return m;
    }

    INDArray toNd4j(DataType type) {
        return Nd4j.create(data.clone(), new long[] {rows, cols}, DataType.DOUBLE).castTo(type);
    }

    double get(int i, int j) {
        return data[i * cols + j];
    }

    Matrix copy() {
        return new Matrix(rows, cols, data.clone());
    }

    /** {@code this · other}. */
    Matrix times(Matrix other) {
        requireInner(cols, other.rows, "·");
        Matrix out = new Matrix(rows, other.cols);
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < cols; k++) {
                double a = data[i * cols + k];
                if (a == 0) {
                    continue;
                }
                int o = i * other.cols;
                int p = k * other.cols;
                for (int j = 0; j < other.cols; j++) {
                    out.data[o + j] += a * other.data[p + j];
                }
            }
        }
        return out;
    }

    /** {@code thisᵀ · other}. */
    Matrix transposeTimes(Matrix other) {
        requireInner(rows, other.rows, "ᵀ·");
        Matrix out = new Matrix(cols, other.cols);
        for (int k = 0; k < rows; k++) {
            for (int i = 0; i < cols; i++) {
                double a = data[k * cols + i];
                if (a == 0) {
                    continue;
                }
                int o = i * other.cols;
                int p = k * other.cols;
                for (int j = 0; j < other.cols; j++) {
                    out.data[o + j] += a * other.data[p + j];
                }
            }
        }
        return out;
    }

    /** Frobenius inner product {@code ⟨this, other⟩ = Σ thisᵢⱼ·otherᵢⱼ}. */
    double inner(Matrix other) {
        requireSameShape(other);
        double total = 0;
        for (int i = 0; i < data.length; i++) {
            total += data[i] * other.data[i];
        }
        return total;
    }

    double frobeniusSquared() {
        return inner(this);
    }

    /** {@code this + a·x}, a new matrix. */
    Matrix plusScaled(double a, Matrix x) {
        requireSameShape(x);
        Matrix out = copy();
        for (int i = 0; i < data.length; i++) {
            out.data[i] += a * x.data[i];
        }
        return out;
    }

    Matrix minus(Matrix x) {
        return plusScaled(-1, x);
    }

    boolean allFinite() {
        for (double v : data) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    private void requireSameShape(Matrix other) {
        if (rows != other.rows || cols != other.cols) {
            throw new IllegalArgumentException(
                    "shapes differ: " + shape() + " and " + other.shape());
        }
    }

    private static void requireInner(int left, int right, String op) {
        if (left != right) {
            throw new IllegalArgumentException(
                    "inner sizes differ for " + op + ": " + left + " and " + right);
        }
    }

    String shape() {
        return rows + "×" + cols;
    }

    @Override
    public String toString() {
        return "Matrix " + shape() + " " + Arrays.toString(Arrays.copyOf(data, 8));
    }
}
