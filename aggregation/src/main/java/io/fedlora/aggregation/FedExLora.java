package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * FedEx-LoRA (Singhal et al., ACL 2025): the FedIT average {@code Ā = Σ pᵢAᵢ}, {@code B̄ = Σ pᵢBᵢ}
 * (saved modules averaged too) is the next global adapter, and the part of the clients' update the
 * average misses, {@code Σ pᵢ·sᵢ·Bᵢ·Aᵢ − s·B̄·Ā}, goes into the frozen base as a {@link
 * BaseUpdate}, so that base plus adapter hold exactly the average of the clients' updates.
 *
 * <p>The paper adds the residual as a dense matrix; here it stays factored by stacking ({@link
 * StackedProducts}): {@code A = [c₁A₁; …; cₙAₙ; −Ā]}, {@code B = [B₁, …, Bₙ, B̄]} with {@code cᵢ =
 * pᵢ·sᵢ/s}, of rank {@code (n+1)·r}. The updates stream: one adapter is loaded at a time.
 */
public final class FedExLora extends SampledStrategy {

    private final Weighting weighting;

    public FedExLora(ClientSampler sampler, Weighting weighting) {
        super(sampler, RankPolicy.HOMOGENEOUS);
        this.weighting = weighting;
    }

    @Override
    public String name() {
        return "fedex-lora";
    }

    @Override
    public FitOutcome aggregateFit(
            long round, GlobalModel global, List<FitResult> results, List<Failure> failures) {
        double[] p = weighting.of(results);
        double scale = global.adapter().scale();
        StreamingSum average = new StreamingSum();
        StackedProducts residual = new StackedProducts();
        for (int i = 0; i < results.size(); i++) {
            Adapter update = results.get(i).adapter();
            double c = p[i] * update.scale() / scale;
            update.modules().forEach((module, pair) -> residual.add(module, pair, c));
            average.add(update, p[i]);
        }
        Adapter averaged = average.result();
        for (Map.Entry<String, LoraPair> e : averaged.modules().entrySet()) {
            residual.add(e.getKey(), e.getValue(), -averaged.scale() / scale);
        }
        return new FitOutcome(
                averaged, Optional.of(residual.build(scale)), RoundMetrics.of(results, failures));
    }
}
