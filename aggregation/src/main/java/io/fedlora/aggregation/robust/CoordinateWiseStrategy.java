package io.fedlora.aggregation.robust;

import io.fedlora.aggregation.ClientSampler;
import io.fedlora.aggregation.Failure;
import io.fedlora.aggregation.FitOutcome;
import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.aggregation.RankPolicy;
import io.fedlora.aggregation.RoundMetrics;
import io.fedlora.aggregation.SampledStrategy;
import io.fedlora.aggregation.UpdateHandle;
import io.fedlora.lora.Adapter;
import java.util.List;
import java.util.Map;

/**
 * A robust rule applied coordinate by coordinate to every {@code lora_A}, {@code lora_B} and saved
 * tensor (Yin et al., "Byzantine-Robust Distributed Learning", ICML 2018): each coordinate of the
 * next global adapter is an order statistic of the clients' values there. Every client counts once,
 * whatever its example count: weights would let one client claim a large share.
 *
 * <p>The rule needs every client at once, so it works one module at a time ({@link ClientTensors}):
 * memory holds one module of every client. Clients train at the global rank.
 */
abstract class CoordinateWiseStrategy extends SampledStrategy {

    protected CoordinateWiseStrategy(ClientSampler sampler) {
        super(sampler, RankPolicy.HOMOGENEOUS);
    }

    /** One coordinate of the aggregate from the clients' values there, sorted ascending. */
    protected abstract double ofSorted(double[] sorted);

    /** Rule-specific metrics of a round of {@code clients} clients; none by default. */
    protected Map<String, Double> ruleMetrics(int clients) {
        return Map.of();
    }

    @Override
    public FitOutcome aggregateFit(
            long round, GlobalModel global, List<FitResult> results, List<Failure> failures) {
        if (results.isEmpty()) {
            throw new IllegalArgumentException(name() + ": no results to aggregate");
        }
        List<UpdateHandle> updates = results.stream().map(FitResult::update).toList();
        Adapter aggregate =
                ClientTensors.reduce(
                        global.adapter(),
                        updates,
                        (key, template, tensors) -> CoordinateWise.reduce(tensors, this::ofSorted));
        Map<String, Double> metrics = RoundMetrics.of(results, failures);
        metrics.putAll(ruleMetrics(results.size()));
        return new FitOutcome(aggregate, metrics);
    }
}
