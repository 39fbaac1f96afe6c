package io.fedlora.aggregation.fair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GradientSolverTest {

    /** {@code f(x) = ‖x‖²}. */
    private static final GradientSolver.Objective SQUARE =
            new GradientSolver.Objective() {
                @Override
                public double value(Matrix x) {
                    return x.frobeniusSquared();
                }

                @Override
                public Matrix gradient(Matrix x) {
                    return new Matrix(x.rows, x.cols).plusScaled(2, x);
                }
            };

    /** {@code f(x) = Σ xᵢ⁴}: no gradient method reaches its minimum in finitely many steps. */
    private static final GradientSolver.Objective QUARTIC =
            new GradientSolver.Objective() {
                @Override
                public double value(Matrix x) {
                    double s = 0;
                    for (double v : x.data) {
                        s += v * v * v * v;
                    }
                    return s;
                }

                @Override
                public Matrix gradient(Matrix x) {
                    Matrix g = new Matrix(x.rows, x.cols);
                    for (int i = 0; i < x.data.length; i++) {
                        g.data[i] = 4 * x.data[i] * x.data[i] * x.data[i];
                    }
                    return g;
                }
            };

    private static Matrix one() {
        Matrix x = new Matrix(1, 1);
        x.data[0] = 1;
        return x;
    }

    /**
     * With lr 1/4 each step halves x, so f drops from 4^-(k-1) to 4^-k: the change 0.75·4^-(k-1) is
     * first below 1e-6 at step 11, and the fifth such step in a row is step 15.
     */
    @Test
    void paperSolverStopsAfterFiveSmallChanges() {
        GradientSolver.Outcome o = GradientSolver.sgd(SQUARE, one(), 0.25, 1000, 1e-6);
        assertEquals(15, o.iterations());
        assertTrue(o.converged());
        assertEquals(Math.pow(4, -15), o.value(), 1e-20);
        assertEquals(1, o.startValue());
    }

    @Test
    void zeroToleranceRunsToTheIterationLimit() {
        GradientSolver.Outcome sgd = GradientSolver.sgd(SQUARE, one(), 0.25, 40, 0);
        assertEquals(40, sgd.iterations());
        assertFalse(sgd.converged());
        GradientSolver.Outcome armijo = GradientSolver.armijo(QUARTIC, one(), 1e-3, 7, 0);
        assertEquals(7, armijo.iterations());
        assertFalse(armijo.converged());
    }

    /** A diverging fixed step never returns a point worse than the start. */
    @Test
    void paperSolverKeepsTheBestIterate() {
        GradientSolver.Outcome o = GradientSolver.sgd(SQUARE, one(), 1.5, 30, 1e-6);
        assertEquals(1, o.value()); // x ← −2x: every step is worse
        assertEquals(1, o.x().data[0]);
    }

    /** Armijo from a step far too large (1e6) backtracks to the minimum and stops there. */
    @Test
    void armijoAdaptsItsStepAndStops() {
        GradientSolver.Outcome o = GradientSolver.armijo(SQUARE, one(), 1e6, 1000, 1e-12);
        assertTrue(o.converged());
        assertTrue(o.iterations() < 100, "iterations " + o.iterations());
        assertTrue(o.value() < 1e-12, "value " + o.value());
    }
}
