package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.util.LinkedHashMap;
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
    public GlobalModel initialize(Adapter initial) {
        return GlobalModel.initial(initial);
    }

    @Override
    public FitOutcome aggregateFit(
            long round, GlobalModel global, List<FitResult> results, List<Failure> failures) {
        double[] p = weighting.of(results);
        StreamingSum sum = new StreamingSum();
        for (int i = 0; i < results.size(); i++) {
            sum.add(results.get(i).adapter(), p[i]);
        }
        Adapter averaged = sum.result();
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("clients", (double) results.size());
        metrics.put("failures", (double) failures.size());
        if (correction == FactorCorrection.NONE) {
            return new FitOutcome(averaged, metrics);
        }
        List<UpdateHandle> updates = results.stream().map(FitResult::update).toList();
        Map<String, LoraPair> corrected = new LinkedHashMap<>();
        Map<String, Double> diagnostics = new LinkedHashMap<>();
        for (Map.Entry<String, LoraPair> e : averaged.modules().entrySet()) {
            FactorCorrection.Corrected c =
                    correction.correct(e.getValue(), new ModuleClients(e.getKey(), updates, p));
            corrected.put(e.getKey(), c.pair());
            c.diagnostics().forEach((k, v) -> diagnostics.merge(k, v, Double::sum));
        }
        int modules = averaged.modules().size();
        diagnostics.forEach(
                (k, v) -> metrics.put(correction.name() + "." + k + ".mean", v / modules));
        return new FitOutcome(
                new Adapter(
                        corrected,
                        averaged.rank(),
                        averaged.alpha(),
                        averaged.targetModules(),
                        averaged.modulesToSave()),
                metrics);
    }
}
