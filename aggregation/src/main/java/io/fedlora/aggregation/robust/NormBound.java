package io.fedlora.aggregation.robust;

import io.fedlora.aggregation.Failure;
import io.fedlora.aggregation.FitOutcome;
import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.ForwardingStrategy;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.aggregation.Strategy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Norm bounding (Sun et al., "Can You Really Backdoor Federated Learning?", 2019): before the inner
 * strategy aggregates, every client's update — its distance from the adapter it started from, in L2
 * over the whole adapter — is clipped to {@code bound} ({@link UpdateClipping}), so no client moves
 * the aggregate further than its share of the bound. Unlike the validator's norm limit, which
 * rejects an update, this keeps the client and shrinks it.
 */
public final class NormBound extends ForwardingStrategy {

    private final double bound;

    public NormBound(Strategy inner, double bound) {
        super(inner);
        if (!(bound > 0) || Double.isInfinite(bound)) {
            throw new IllegalArgumentException(
                    "norm-bound must be positive and finite, got " + bound);
        }
        this.bound = bound;
    }

    public double bound() {
        return bound;
    }

    @Override
    protected String statePrefix() {
        return "norm-bound";
    }

    @Override
    public FitOutcome aggregateFit(
            long round, GlobalModel global, List<FitResult> results, List<Failure> failures) {
        UpdateClipping clipping = new UpdateClipping(global);
        List<FitResult> clipped = new ArrayList<>(results.size());
        int count = 0;
        double largest = 0;
        for (FitResult result : results) {
            UpdateClipping.Clipped c = clipping.clip(result, bound);
            clipped.add(c.result());
            count += c.clipped() ? 1 : 0;
            largest = Math.max(largest, c.norm());
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("norm-bound.clipped", (double) count);
        metrics.put("norm-bound.max-update-norm", largest);
        return inner().aggregateFit(round, global, clipped, failures).withMetrics(metrics);
    }
}
