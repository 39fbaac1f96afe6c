package io.fedlora.aggregation;

import io.fedlora.aggregation.privacy.DpFedAvg;
import io.fedlora.aggregation.privacy.NoiseSource;
import io.fedlora.aggregation.robust.NormBound;
import io.fedlora.aggregation.server.ServerOptimizer;

/**
 * Options every strategy accepts, applied as decorators in one place:
 *
 * <ul>
 *   <li>{@code norm-bound=C}: clip each client's update to L2 norm C before aggregating ({@link
 *       NormBound});
 *   <li>{@code dp-clip=C} turns on DP-FedAvg ({@link DpFedAvg}) with {@code dp-noise-multiplier}
 *       (z, default 1), {@code dp-delta} (default 1e-5) and {@code dp-seed} (a seed makes the noise
 *       reproducible; without one it comes from the system's entropy). The sampling rate is the
 *       strategy's {@code fraction}.
 * </ul>
 *
 * <p>Order: privacy outermost around the norm bound, so the noise is the last thing added; a server
 * optimizer stays outside both, since it post-processes the (clipped, noised) aggregate — inside it
 * the noise would no longer be calibrated to the average's sensitivity.
 */
public final class StrategyDecorators {

    /** The default {@code dp-noise-multiplier}. */
    public static final double DEFAULT_NOISE_MULTIPLIER = 1.0;

    /** The default {@code dp-delta}. */
    public static final double DEFAULT_DELTA = 1e-5;

    private StrategyDecorators() {}

    /** {@code strategy} wrapped in the decorators {@code r}'s options ask for. */
    public static Strategy apply(Strategy strategy, StrategySpec.Reader r) {
        if (strategy instanceof ServerOptimizer optimizer) {
            return optimizer.withInner(apply(optimizer.inner(), r));
        }
        Strategy decorated = strategy;
        if (r.string("norm-bound", null) != null) {
            decorated = new NormBound(decorated, r.real("norm-bound", 0));
        }
        boolean dp = r.string("dp-clip", null) != null;
        for (String key : new String[] {"dp-noise-multiplier", "dp-delta", "dp-seed"}) {
            if (!dp && r.string(key, null) != null) {
                throw new IllegalArgumentException(
                        "option " + key + " needs dp-clip (the clipping bound) to turn on DP");
            }
        }
        if (dp) {
            DpFedAvg.Settings settings =
                    new DpFedAvg.Settings(
                            r.real("dp-clip", 0),
                            r.real("dp-noise-multiplier", DEFAULT_NOISE_MULTIPLIER),
                            r.real("dp-delta", DEFAULT_DELTA),
                            r.real("fraction", 1.0));
            NoiseSource noise =
                    r.string("dp-seed", null) == null
                            ? NoiseSource.systemEntropy()
                            : NoiseSource.seeded(r.longInteger("dp-seed", 0));
            decorated = new DpFedAvg(decorated, settings, noise);
        }
        return decorated;
    }
}
