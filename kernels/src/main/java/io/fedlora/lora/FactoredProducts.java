package io.fedlora.lora;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Frobenius inner products and norms of low-rank products {@code B·A} computed from the factors
 * alone, never forming the {@code out × in} matrix.
 *
 * <p>{@code ⟨B₁A₁, B₂A₂⟩_F = tr((B₁ᵀB₂)(A₂A₁ᵀ))}: two Gram matrices of size {@code r₁ × r₂} (cost
 * {@code r₁·r₂·(out + in)}) and their element-wise product summed. Sums of products {@code Σ
 * cᵢBᵢAᵢ} reduce to the matrix of pairwise inner products. Ranks may differ between the terms
 * (heterogeneous-rank clients); the out and in sizes must agree.
 *
 * <p>Products carry no scale here: pass {@code sᵢ = alpha/r} in the coefficients when the update
 * {@code sᵢ·Bᵢ·Aᵢ} is meant. Work happens in the factors' data type; results are double.
 */
public final class FactoredProducts {

    private FactoredProducts() {}

    /** {@code ⟨x.b·x.a, y.b·y.a⟩_F}. */
    public static double inner(LoraPair x, LoraPair y) {
        requireSameOuterShape(x, y);
        INDArray bGram = x.b().transpose().mmul(y.b()); // r_x × r_y
        INDArray aGram = x.a().mmul(y.a().transpose()); // r_x × r_y
        // tr(M·N) with N = (A_x·A_yᵀ)ᵀ is the element-wise product of M and Nᵀ, summed.
        return bGram.muli(aGram).sumNumber().doubleValue();
    }

    /** {@code ‖p.b·p.a‖_F}. */
    public static double frobeniusNorm(LoraPair p) {
        return Math.sqrt(Math.max(0, inner(p, p)));
    }

    /** Matrix {@code G[i][j] = ⟨xᵢ.b·xᵢ.a, yⱼ.b·yⱼ.a⟩_F}. */
    public static double[][] crossGram(List<LoraPair> xs, List<LoraPair> ys) {
        double[][] gram = new double[xs.size()][ys.size()];
        for (int i = 0; i < xs.size(); i++) {
            for (int j = 0; j < ys.size(); j++) {
                gram[i][j] = inner(xs.get(i), ys.get(j));
            }
        }
        return gram;
    }

    /** Symmetric matrix of pairwise inner products of {@code ps}; half the work of crossGram. */
    public static double[][] gram(List<LoraPair> ps) {
        int n = ps.size();
        double[][] gram = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                gram[i][j] = inner(ps.get(i), ps.get(j));
                gram[j][i] = gram[i][j];
            }
        }
        return gram;
    }

    /** {@code ⟨Σ cxᵢ·Bxᵢ·Axᵢ, Σ cyⱼ·Byⱼ·Ayⱼ⟩_F}. */
    public static double inner(List<LoraPair> xs, double[] cx, List<LoraPair> ys, double[] cy) {
        requireCoefficients(xs, cx);
        requireCoefficients(ys, cy);
        return quadraticForm(cx, crossGram(xs, ys), cy);
    }

    /** {@code ‖Σ cᵢ·Bᵢ·Aᵢ‖_F}. */
    public static double frobeniusNorm(List<LoraPair> ps, double[] c) {
        requireCoefficients(ps, c);
        return Math.sqrt(Math.max(0, quadraticForm(c, gram(ps), c)));
    }

    /**
     * Cosine similarity {@code ⟨X, Y⟩ / (‖X‖·‖Y‖)} of {@code X = Σ cxᵢ·Bxᵢ·Axᵢ} and {@code Y = Σ
     * cyⱼ·Byⱼ·Ayⱼ} (LoRA-FAIR's similarity); 0 when either is zero.
     */
    public static double cosine(List<LoraPair> xs, double[] cx, List<LoraPair> ys, double[] cy) {
        double normX = frobeniusNorm(xs, cx);
        double normY = frobeniusNorm(ys, cy);
        if (normX == 0 || normY == 0) {
            return 0;
        }
        return inner(xs, cx, ys, cy) / (normX * normY);
    }

    private static double quadraticForm(double[] u, double[][] g, double[] v) {
        double total = 0;
        for (int i = 0; i < u.length; i++) {
            double row = 0;
            for (int j = 0; j < v.length; j++) {
                row += g[i][j] * v[j];
            }
            total += u[i] * row;
        }
        return total;
    }

    private static void requireCoefficients(List<LoraPair> ps, double[] c) {
        if (ps.size() != c.length) {
            throw new IllegalArgumentException(
                    c.length + " coefficients for " + ps.size() + " products");
        }
    }

    private static void requireSameOuterShape(LoraPair x, LoraPair y) {
        if (x.outFeatures() != y.outFeatures() || x.inFeatures() != y.inFeatures()) {
            throw new IllegalArgumentException(
                    "products differ in shape: "
                            + x.outFeatures()
                            + "×"
                            + x.inFeatures()
                            + " and "
                            + y.outFeatures()
                            + "×"
                            + y.inFeatures());
        }
    }
}
