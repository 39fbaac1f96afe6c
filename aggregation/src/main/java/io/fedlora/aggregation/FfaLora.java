package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FFA-LoRA (Sun et al., ICLR 2024): every client keeps {@code lora_A} frozen at the shared seeded
 * initialisation (the initial adapter's A, instructed by {@link TrainOptions#FREEZE_A}) and trains
 * only B, so the server averages {@code B̄ = Σ pᵢBᵢ} and {@code s·B̄·A = Σ pᵢ·s·Bᵢ·A} is the exact
 * average of the updates. Saved modules are averaged.
 *
 * <p>The aggregate always carries the global A; the clients' A factors are ignored. A client that
 * did not honour the freeze shows up in the metric {@code lora-a-drift.max}: the largest {@code ‖Aᵢ
 * − A‖_F} over clients and modules (0 when every client complied).
 */
public final class FfaLora extends SampledStrategy {

    private final Weighting weighting;

    public FfaLora(ClientSampler sampler, Weighting weighting) {
        super(sampler, RankPolicy.HOMOGENEOUS);
        this.weighting = weighting;
    }

    @Override
    public String name() {
        return "ffa-lora";
    }

    @Override
    protected Map<String, String> fitOptions(long round) {
        return Map.of(TrainOptions.FREEZE_A, "true");
    }

    @Override
    public FitOutcome aggregateFit(
            long round, GlobalModel global, List<FitResult> results, List<Failure> failures) {
        double[] p = weighting.of(results);
        Adapter start = global.adapter();
        StreamingSum sum = new StreamingSum();
        double drift = 0;
        for (int i = 0; i < results.size(); i++) {
            Adapter update = results.get(i).adapter();
            for (Map.Entry<String, LoraPair> e : start.modules().entrySet()) {
                drift = Math.max(drift, update.module(e.getKey()).a().distance2(e.getValue().a()));
            }
            sum.add(update, p[i]);
        }
        Adapter averaged = sum.result();
        Map<String, LoraPair> pairs = new LinkedHashMap<>();
        start.modules()
                .forEach(
                        (name, pair) ->
                                pairs.put(name, new LoraPair(pair.a(), averaged.module(name).b())));
        Adapter next =
                new Adapter(
                        pairs,
                        start.rank(),
                        start.alpha(),
                        start.targetModules(),
                        averaged.modulesToSave());
        Map<String, Double> metrics = RoundMetrics.of(results, failures);
        metrics.put("lora-a-drift.max", drift);
        return new FitOutcome(next, metrics);
    }
}
