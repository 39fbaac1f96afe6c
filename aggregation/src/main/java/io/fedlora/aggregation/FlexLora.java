package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import io.fedlora.lora.TruncatedSvd;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FlexLoRA (Bai et al., NeurIPS 2024): the server sums the clients' full updates, {@code W = Σ
 * pᵢ·sᵢ·Bᵢ·Aᵢ}, and re-factors the sum by a truncated SVD at the global rank r, {@code W ≈
 * U·diag(S)·Vᵀ}, giving the global pair {@code B = U·diag(S)/s}, {@code A = Vᵀ}. Clients of any
 * rank take part ({@link RankPolicy#HETEROGENEOUS}): a rank-rᵢ client starts from the first rᵢ
 * components ({@link GlobalModel#clientStart(int)}), which are the top-rᵢ singular components, as
 * FlexLoRA assigns them. Saved modules are averaged.
 *
 * <p>The SVD never forms {@code W}: {@link TruncatedSvd#ofSum} works on the factors, one module at
 * a time, reading each client's pair of that module from its {@link UpdateHandle}. The result is
 * exact whenever {@code Σ rᵢ ≤ r}; otherwise it is the best rank-r approximation of {@code W}
 * (Eckart–Young).
 */
public final class FlexLora extends SampledStrategy {

    private final Weighting weighting;

    public FlexLora(ClientSampler sampler, Weighting weighting) {
        super(sampler, RankPolicy.HETEROGENEOUS);
        this.weighting = weighting;
    }

    @Override
    public String name() {
        return "flexlora";
    }

    @Override
    public FitOutcome aggregateFit(
            long round, GlobalModel global, List<FitResult> results, List<Failure> failures) {
        double[] p = weighting.of(results);
        double[] c = new double[p.length];
        SavedModuleSum saved = new SavedModuleSum();
        for (int i = 0; i < results.size(); i++) {
            Adapter update = results.get(i).adapter();
            c[i] = p[i] * update.scale();
            saved.add(update.modulesToSave(), p[i]);
        }
        Adapter start = global.adapter();
        Map<String, LoraPair> pairs = new LinkedHashMap<>();
        for (String module : start.modules().keySet()) {
            List<LoraPair> clients = new ArrayList<>(results.size());
            for (FitResult r : results) {
                clients.add(r.update().module(module));
            }
            pairs.put(module, TruncatedSvd.ofSum(clients, c, start.rank()).toPair(start.scale()));
        }
        Adapter next =
                new Adapter(
                        pairs, start.rank(), start.alpha(), start.targetModules(), saved.result());
        return new FitOutcome(next, RoundMetrics.of(results, failures));
    }
}
