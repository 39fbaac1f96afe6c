package io.fedlora.simulation;

import io.fedlora.aggregation.FitResult;

/**
 * Turns an honest client's result into what a faulty or malicious client would send (a corrupted
 * update, a wrong rank, a scaled-up update), so that validation and robust aggregation can be
 * exercised in simulation. Applied to every result before validation.
 */
@FunctionalInterface
public interface FaultInjection {

    /** Every client honest. */
    FaultInjection NONE = result -> result;

    FitResult apply(FitResult honest);
}
