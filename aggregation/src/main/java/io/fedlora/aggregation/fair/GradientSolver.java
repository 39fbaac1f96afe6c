package io.fedlora.aggregation.fair;

/**
 * The iterative solvers of LoRA-FAIR's cosine mode, both stopping by the paper's rule (the
 * objective changed by less than {@code tolerance} on {@code PATIENCE} consecutive steps, or {@code
 * maxIterations} steps) and both returning a point whose objective is never above the starting one.
 *
 * <ul>
 *   <li>{@link #sgd}: the paper's plain gradient steps with a fixed learning rate (0.01 there). The
 *       cosine is scale-free in {@code B}, so its gradient grows as {@code 1/‖B‖}: with the small
 *       factors LoRA training produces a fixed step overshoots and oscillates, and with large ones
 *       it crawls. The best iterate is returned.
 *   <li>{@link #armijo}: gradient descent whose step adapts to the problem's scale — a
 *       Barzilai–Borwein trial step, halved until the Armijo sufficient-decrease condition holds —
 *       followed by the objective's closed-form step along the ray through the new point ({@link
 *       Objective#alongRay}). Every accepted step lowers the objective.
 * </ul>
 *
 * <p>Why the ray step: the cosine does not change along the ray {@code t·B}, so only the small
 * penalty {@code λ‖B − B̄‖²} curves the objective in that direction while the cosine curves it
 * {@code ~1/‖B‖²} in the others. With LoRA's small factors that ratio reaches {@code 1e6} and
 * gradient steps drift outwards along the ray (the product {@code B·Ā} grows far past the ideal
 * update) long before the penalty pulls them back; minimising along the ray exactly removes that
 * direction from the problem.
 */
final class GradientSolver {

    /** Consecutive small changes that stop the iterations (the paper's 5). */
    static final int PATIENCE = 5;

    /** Armijo's sufficient-decrease constant. */
    private static final double ARMIJO_C = 1e-4;

    /** Halvings of the step before a point counts as a numerical minimum. */
    private static final int MAX_HALVINGS = 80;

    private GradientSolver() {}

    /** A differentiable objective. */
    interface Objective {
        double value(Matrix x);

        Matrix gradient(Matrix x);

        /**
         * A point on the ray through {@code x} whose value is no higher, found in closed form, or
         * {@code x} itself. Objectives with a scale-free term use it to settle the one direction
         * that term leaves flat.
         */
        default Matrix alongRay(Matrix x) {
            return x;
        }
    }

    /**
     * Where a solve ended.
     *
     * @param x the point returned
     * @param startValue the objective at the start
     * @param value the objective at {@code x}, {@code ≤ startValue}
     * @param iterations gradient steps taken
     * @param converged whether the stopping rule (rather than the iteration limit) ended the solve
     */
    record Outcome(Matrix x, double startValue, double value, int iterations, boolean converged) {}

    /** The paper's solver: {@code x ← x − lr·∇f(x)}, the best iterate kept. */
    static Outcome sgd(
            Objective f, Matrix start, double learningRate, int maxIterations, double tolerance) {
        Matrix x = start;
        double value = f.value(x);
        double startValue = value;
        Matrix best = x;
        double bestValue = value;
        Plateau plateau = new Plateau(tolerance);
        int it = 0;
        boolean converged = false;
        while (it < maxIterations) {
            Matrix next = x.plusScaled(-learningRate, f.gradient(x));
            double nextValue = f.value(next);
            it++;
            if (!Double.isFinite(nextValue) || !next.allFinite()) {
                break;
            }
            if (nextValue < bestValue) {
                best = next;
                bestValue = nextValue;
            }
            boolean stop = plateau.observe(value - nextValue);
            x = next;
            value = nextValue;
            if (stop) {
                converged = true;
                break;
            }
        }
        return new Outcome(best, startValue, bestValue, it, converged);
    }

    /**
     * Gradient descent with Armijo backtracking. The first trial step is {@code initialStep}; later
     * ones are the Barzilai–Borwein step {@code ⟨s, s⟩/⟨s, y⟩} of the last move {@code s} and
     * gradient change {@code y} (the inverse curvature along the last move), or twice the last
     * accepted step where that curvature is not positive. A trial is halved until the objective
     * falls by at least {@code 1e-4·step·‖∇f‖²}.
     */
    static Outcome armijo(
            Objective f, Matrix start, double initialStep, int maxIterations, double tolerance) {
        Matrix x = start;
        double value = f.value(x);
        double startValue = value;
        Matrix grad = f.gradient(x);
        double step = initialStep;
        Plateau plateau = new Plateau(tolerance);
        int it = 0;
        boolean converged = false;
        while (it < maxIterations) {
            double slope = grad.frobeniusSquared();
            if (!(slope > 0) || !Double.isFinite(slope)) {
                converged = slope == 0;
                break;
            }
            Matrix trial = null;
            double trialValue = Double.NaN;
            int halvings = 0;
            while (halvings <= MAX_HALVINGS) {
                trial = x.plusScaled(-step, grad);
                trialValue = f.value(trial);
                if (trialValue <= value - ARMIJO_C * step * slope) {
                    break;
                }
                step /= 2;
                halvings++;
            }
            it++;
            if (halvings > MAX_HALVINGS) {
                // No step lowers the objective: x is a minimum up to rounding.
                converged = true;
                break;
            }
            Matrix rescaled = f.alongRay(trial);
            if (rescaled != trial) {
                double rescaledValue = f.value(rescaled);
                if (rescaledValue <= trialValue) {
                    trial = rescaled;
                    trialValue = rescaledValue;
                }
            }
            boolean stop = plateau.observe(value - trialValue);
            Matrix nextGrad = f.gradient(trial);
            Matrix s = trial.minus(x);
            double curvature = s.inner(nextGrad.minus(grad));
            step = curvature > 0 ? s.frobeniusSquared() / curvature : 2 * step;
            x = trial;
            value = trialValue;
            grad = nextGrad;
            if (stop) {
                converged = true;
                break;
            }
        }
        return new Outcome(x, startValue, value, it, converged);
    }

    /** The paper's stopping rule: {@code PATIENCE} consecutive changes below the tolerance. */
    private static final class Plateau {
        private final double tolerance;
        private int small;

        Plateau(double tolerance) {
            this.tolerance = tolerance;
        }

        /** Records one step's change; true when the iterations should stop. */
        boolean observe(double change) {
            small = Math.abs(change) < tolerance ? small + 1 : 0;
            return small >= PATIENCE;
        }
    }
}
