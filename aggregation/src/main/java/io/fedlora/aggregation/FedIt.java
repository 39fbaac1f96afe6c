package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import java.util.List;
import java.util.Map;

/**
 * FedIT (Zhang et al., ICASSP 2024): A and B averaged separately, {@code Ā = Σ pᵢAᵢ}, {@code B̄ = Σ
 * pᵢBᵢ}, saved modules averaged the same way. Since {@code B̄·Ā ≠ Σ pᵢBᵢAᵢ}, a {@link
 * FactorCorrection} may then move each averaged pair towards the clients' ideal update — with
 * LoRA-FAIR's correction this class is LoRA-FAIR.
 *
 * <p>The average streams: updates are loaded one at a time into a {@link StreamingSum}, so memory
 * holds two adapters whatever the number of clients. A correction re-reads the updates module by
 * module.
 */
public final class FedIt extends SampledStrategy {

    private final String name;
    private final Weighting weighting;
    private final FactorCorrection correction;

    public FedIt(
            String name, ClientSampler sampler, Weighting weighting, FactorCorrection correction) {
        super(sampler, RankPolicy.HOMOGENEOUS);
        this.name = name;
        this.weighting = weighting;
        this.correction = correction;
    }

    /** Plain FedIT. */
    public FedIt(ClientSampler sampler, Weighting weighting) {
        this("fedit", sampler, weighting, FactorCorrection.NONE);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public FitOutcome aggregateFit(
            long round, GlobalModel global, List<FitResult> results, List<Failure> failures) {
        double[] p = weighting.of(results);
        double[] scales = new double[p.length];
        StreamingSum sum = new StreamingSum();
        for (int i = 0; i < results.size(); i++) {
            Adapter update = results.get(i).adapter();
            scales[i] = update.scale();
            sum.add(update, p[i]);
        }
        Adapter averaged = sum.result();
        CorrectionPass.Result corrected =
                CorrectionPass.apply(
                        correction,
                        averaged,
                        results.stream().map(FitResult::update).toList(),
                        CorrectionPass.coefficients(p, scales, averaged.scale()));
        Map<String, Double> metrics = RoundMetrics.of(results, failures);
        metrics.putAll(corrected.metrics());
        return new FitOutcome(corrected.adapter(), metrics);
    }
}
