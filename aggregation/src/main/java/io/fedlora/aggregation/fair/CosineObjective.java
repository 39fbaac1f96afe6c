package io.fedlora.aggregation.fair;

/**
 * LoRA-FAIR's objective in factored form, {@code f(B) = 1 − cos(ideal, B·Ā) + λ‖B − B̄‖²_F}, where
 * the paper's {@code B̄ + ΔB} is the variable {@code B}. With {@code G = ideal·Āᵀ} and {@code M =
 * ĀĀᵀ}:
 *
 * <ul>
 *   <li>{@code ⟨ideal, B·Ā⟩ = ⟨G, B⟩} and {@code ‖B·Ā‖² = tr(BᵀB·M) = ⟨B·M, B⟩},
 *   <li>{@code cos = ⟨G, B⟩ / (‖ideal‖·√⟨B·M, B⟩)},
 *   <li>{@code ∇f = −G/(‖ideal‖·√v) + ⟨G, B⟩·B·M/(‖ideal‖·v^{3/2}) + 2λ(B − B̄)}, {@code v = ⟨B·M,
 *       B⟩}.
 * </ul>
 *
 * The same formulas hold on the coordinates {@code Z = UᵀB} of an orthonormal basis {@code U} whose
 * span holds {@code G} and {@code B̄} (pass {@code UᵀG}, {@code UᵀB̄}), which is how the solver
 * runs. When {@code B·Ā = 0} the cosine is taken as 0 (as {@code FactoredProducts.cosine}) and only
 * the penalty has a gradient.
 */
final class CosineObjective implements GradientSolver.Objective {

    private final Matrix g;
    private final Matrix bBar;
    private final Matrix m;
    private final double idealNorm;
    private final double lambda;

    /**
     * @param g {@code ideal·Āᵀ} (or its coordinates)
     * @param bBar the averaged B (or its coordinates)
     * @param m {@code ĀĀᵀ}, {@code r × r}
     * @param idealNorm {@code ‖ideal‖_F}, positive
     * @param lambda the penalty weight, {@code ≥ 0}
     */
    CosineObjective(Matrix g, Matrix bBar, Matrix m, double idealNorm, double lambda) {
        if (!(idealNorm > 0) || Double.isInfinite(idealNorm)) {
            throw new IllegalArgumentException(
                    "the ideal update's norm must be positive and finite, got " + idealNorm);
        }
        this.g = g;
        this.bBar = bBar;
        this.m = m;
        this.idealNorm = idealNorm;
        this.lambda = lambda;
    }

    /** {@code cos(ideal, B·Ā)}. */
    double cosine(Matrix b) {
        double v = b.times(m).inner(b);
        return v > 0 ? g.inner(b) / (idealNorm * Math.sqrt(v)) : 0;
    }

    @Override
    public double value(Matrix b) {
        return 1 - cosine(b) + lambda * b.minus(bBar).frobeniusSquared();
    }

    /**
     * The cosine is the same at every {@code t·B, t > 0}, and {@code λ‖tB − B̄‖²} is least at
     * {@code t = ⟨B, B̄⟩/‖B‖²}: so the objective is least on the ray there (when that {@code t} is
     * positive). At a stationary point {@code ⟨B − B̄, B⟩ = 0}, i.e. {@code ‖B‖ ≤ ‖B̄‖}.
     */
    @Override
    public Matrix alongRay(Matrix b) {
        double norm = b.frobeniusSquared();
        double t = norm > 0 ? b.inner(bBar) / norm : 0;
        if (!(t > 0) || lambda == 0 || !Double.isFinite(t)) {
            return b;
        }
        Matrix scaled = b.copy();
        for (int i = 0; i < scaled.data.length; i++) {
            scaled.data[i] *= t;
        }
        return scaled;
    }

    @Override
    public Matrix gradient(Matrix b) {
        Matrix bm = b.times(m);
        double v = bm.inner(b);
        Matrix grad = b.minus(bBar);
        for (int i = 0; i < grad.data.length; i++) {
            grad.data[i] *= 2 * lambda;
        }
        if (v > 0) {
            double root = Math.sqrt(v);
            double u = g.inner(b);
            grad = grad.plusScaled(-1 / (idealNorm * root), g);
            grad = grad.plusScaled(u / (idealNorm * root * v), bm);
        }
        return grad;
    }
}
