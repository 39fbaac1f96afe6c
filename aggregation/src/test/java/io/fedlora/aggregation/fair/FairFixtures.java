package io.fedlora.aggregation.fair;

import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.ModuleClients;
import io.fedlora.aggregation.UpdateHandle;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Seeded random LoRA clients and a dense plain-Java reference of LoRA-FAIR's quantities (the ideal
 * update formed as an {@code out × in} matrix), independent of the factored code under test.
 */
final class FairFixtures {

    private FairFixtures() {}

    static final String MODULE = "layer.q";

    static INDArray gaussian(Random rnd, double scale, int rows, int cols) {
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = scale * rnd.nextGaussian();
        }
        return Nd4j.create(v, new long[] {rows, cols}, DataType.DOUBLE);
    }

    /**
     * Clients that share a start {@code A₀} and drift from it (as FedIT clients do) with B of scale
     * {@code bScale}; {@code ranks[i]} is client i's rank (≤ the shared A's rank is not required:
     * extra rows are fresh).
     */
    static List<LoraPair> clients(
            Random rnd, int out, int in, int[] ranks, double aScale, double bScale, double drift) {
        int maxRank = 0;
        for (int r : ranks) {
            maxRank = Math.max(maxRank, r);
        }
        INDArray a0 = gaussian(rnd, aScale, maxRank, in);
        List<LoraPair> pairs = new ArrayList<>();
        for (int r : ranks) {
            INDArray a =
                    a0.get(
                                    org.nd4j.linalg.indexing.NDArrayIndex.interval(0, r),
                                    org.nd4j.linalg.indexing.NDArrayIndex.all())
                            .dup()
                            .addi(gaussian(rnd, aScale * drift, r, in));
            pairs.add(new LoraPair(a, gaussian(rnd, bScale, out, r)));
        }
        return pairs;
    }

    static ModuleClients moduleClients(List<LoraPair> pairs, double[] c) {
        List<UpdateHandle> handles = new ArrayList<>();
        for (LoraPair p : pairs) {
            handles.add(UpdateHandle.of(adapter(p)));
        }
        return new ModuleClients(MODULE, handles, c);
    }

    static Adapter adapter(LoraPair p) {
        Map<String, LoraPair> m = new LinkedHashMap<>();
        m.put(MODULE, p);
        return new Adapter(m, p.rank(), p.rank(), List.of("q"), Map.of());
    }

    /** Results of one module each, with example counts {@code examples[i]}. */
    static List<FitResult> results(List<Adapter> adapters, long[] examples) {
        List<FitResult> out = new ArrayList<>();
        for (int i = 0; i < adapters.size(); i++) {
            out.add(FitResult.inMemory("c" + i, 1, examples[i], Map.of(), adapters.get(i)));
        }
        return out;
    }

    /** The weighted average pair {@code (Σ pᵢAᵢ, Σ pᵢBᵢ)} of same-rank pairs. */
    static LoraPair average(List<LoraPair> pairs, double[] p) {
        INDArray a = pairs.get(0).a().mul(p[0]);
        INDArray b = pairs.get(0).b().mul(p[0]);
        for (int i = 1; i < pairs.size(); i++) {
            a.addi(pairs.get(i).a().mul(p[i]));
            b.addi(pairs.get(i).b().mul(p[i]));
        }
        return new LoraPair(a, b);
    }

    static double[] weights(Random rnd, int n) {
        double[] p = new double[n];
        double total = 0;
        for (int i = 0; i < n; i++) {
            p[i] = 0.1 + rnd.nextDouble();
            total += p[i];
        }
        for (int i = 0; i < n; i++) {
            p[i] /= total;
        }
        return p;
    }

    // ---- dense reference, plain double loops ----

    static double[][] dense(INDArray m) {
        return m.castTo(DataType.DOUBLE).toDoubleMatrix();
    }

    static double[][] matmul(double[][] x, double[][] y) {
        double[][] out = new double[x.length][y[0].length];
        for (int i = 0; i < x.length; i++) {
            for (int t = 0; t < y.length; t++) {
                double a = x[i][t];
                for (int j = 0; j < y[0].length; j++) {
                    out[i][j] += a * y[t][j];
                }
            }
        }
        return out;
    }

    static double[][] transpose(double[][] x) {
        double[][] out = new double[x[0].length][x.length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[0].length; j++) {
                out[j][i] = x[i][j];
            }
        }
        return out;
    }

    /** {@code x + c·y}. */
    static double[][] add(double[][] x, double c, double[][] y) {
        double[][] out = new double[x.length][x[0].length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[0].length; j++) {
                out[i][j] = x[i][j] + c * y[i][j];
            }
        }
        return out;
    }

    static double inner(double[][] x, double[][] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[0].length; j++) {
                s += x[i][j] * y[i][j];
            }
        }
        return s;
    }

    static double norm(double[][] x) {
        return Math.sqrt(inner(x, x));
    }

    /** The ideal update {@code Σ cᵢ·Bᵢ·Aᵢ}, {@code out × in}. */
    static double[][] ideal(List<LoraPair> pairs, double[] c) {
        double[][] x = null;
        for (int i = 0; i < pairs.size(); i++) {
            double[][] term = matmul(dense(pairs.get(i).b()), dense(pairs.get(i).a()));
            x =
                    x == null
                            ? add(new double[term.length][term[0].length], c[i], term)
                            : add(x, c[i], term);
        }
        return x;
    }

    /** {@code 1 − cos(X, B·Ā) + λ‖B − B̄‖²} with the product formed densely. */
    static double cosineObjective(
            double[][] x, double[][] b, double[][] aBar, double[][] bBar, double lambda) {
        double[][] y = matmul(b, aBar);
        double[][] d = add(b, -1, bBar);
        return 1 - inner(x, y) / (norm(x) * norm(y)) + lambda * inner(d, d);
    }

    /** {@code ‖X − B·Ā‖² + λ‖B − B̄‖²}. */
    static double ridgeObjective(
            double[][] x, double[][] b, double[][] aBar, double[][] bBar, double lambda) {
        double[][] r = add(x, -1, matmul(b, aBar));
        double[][] d = add(b, -1, bBar);
        return inner(r, r) + lambda * inner(d, d);
    }

    /**
     * The dense gradient of {@link #cosineObjective} in B: {@code −X·Āᵀ/(‖X‖‖Y‖) + ⟨X,Y⟩·Y·Āᵀ/(‖X‖
     * ‖Y‖³) + 2λ(B − B̄)}, {@code Y = B·Ā}.
     */
    static double[][] cosineGradient(
            double[][] x, double[][] b, double[][] aBar, double[][] bBar, double lambda) {
        double[][] y = matmul(b, aBar);
        double nx = norm(x);
        double ny = norm(y);
        double[][] aT = transpose(aBar);
        double[][] grad = add(new double[b.length][b[0].length], 2 * lambda, add(b, -1, bBar));
        grad = add(grad, -1 / (nx * ny), matmul(x, aT));
        return add(grad, inner(x, y) / (nx * ny * ny * ny), matmul(y, aT));
    }

    /** Solves {@code X·S = R} for X by Gauss–Jordan elimination with partial pivoting. */
    static double[][] solveRight(double[][] r, double[][] s) {
        // X·S = R  ⇔  Sᵀ·Xᵀ = Rᵀ
        int n = s.length;
        double[][] m = transpose(s);
        double[][] rhs = transpose(r);
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int i = col + 1; i < n; i++) {
                if (Math.abs(m[i][col]) > Math.abs(m[pivot][col])) {
                    pivot = i;
                }
            }
            double[] t = m[col];
            m[col] = m[pivot];
            m[pivot] = t;
            t = rhs[col];
            rhs[col] = rhs[pivot];
            rhs[pivot] = t;
            for (int i = 0; i < n; i++) {
                if (i == col) {
                    continue;
                }
                double f = m[i][col] / m[col][col];
                for (int j = 0; j < n; j++) {
                    m[i][j] -= f * m[col][j];
                }
                for (int j = 0; j < rhs[0].length; j++) {
                    rhs[i][j] -= f * rhs[col][j];
                }
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < rhs[0].length; j++) {
                rhs[i][j] /= m[i][i];
            }
        }
        return transpose(rhs);
    }

    static double[][] identity(int n, double scale) {
        double[][] out = new double[n][n];
        for (int i = 0; i < n; i++) {
            out[i][i] = scale;
        }
        return out;
    }

    static double maxAbsDiff(double[][] x, double[][] y) {
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[0].length; j++) {
                max = Math.max(max, Math.abs(x[i][j] - y[i][j]));
            }
        }
        return max;
    }
}
