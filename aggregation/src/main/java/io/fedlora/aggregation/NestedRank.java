package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Nested (DyLoRA) ranks in federated learning: each client trains at its own rank rᵢ ({@link
 * RankPolicy#HETEROGENEOUS}) with nested-rank training ({@link TrainOptions#NESTED_RANK_MAX} = rᵢ),
 * so every prefix of its components is a usable adapter on its own. The server averages each rank
 * component j — row j of A, column j of B — over the clients that hold it ({@code rᵢ > j}), their
 * weights renormalised among them: {@code a_j = Σ_{rᵢ>j} pᵢ·aᵢⱼ / Σ_{rᵢ>j} pᵢ}. A component no
 * sampled client holds keeps its global value. Saved modules are averaged over all clients.
 *
 * <p>Unlike HetLoRA's zero padding, a component is never diluted by clients that do not train it. A
 * {@link FactorCorrection} may then adjust each averaged pair towards the clients' ideal update,
 * with coefficients {@code cᵢ = pᵢ·sᵢ/s}. The updates stream: one is loaded at a time.
 */
public final class NestedRank extends SampledStrategy {

    private final Weighting weighting;
    private final FactorCorrection correction;

    public NestedRank(ClientSampler sampler, Weighting weighting, FactorCorrection correction) {
        super(sampler, RankPolicy.HETEROGENEOUS);
        this.weighting = weighting;
        this.correction = correction;
    }

    @Override
    public String name() {
        return "nested-rank";
    }

    @Override
    protected Map<String, String> fitOptions(long round, int rank) {
        return Map.of(TrainOptions.NESTED_RANK_MAX, Integer.toString(rank));
    }

    @Override
    public FitOutcome aggregateFit(
            long round, GlobalModel global, List<FitResult> results, List<Failure> failures) {
        double[] p = weighting.of(results);
        Adapter start = global.adapter();
        int r = start.rank();
        double[] scales = new double[p.length];
        double[] held = new double[r]; // Σ pᵢ over the clients holding component j
        StreamingSum sum = new StreamingSum();
        for (int i = 0; i < results.size(); i++) {
            Adapter update = results.get(i).adapter();
            if (update.rank() > r) {
                throw new IllegalArgumentException(
                        "client "
                                + results.get(i).clientId()
                                + " sent rank "
                                + update.rank()
                                + ", above the global rank "
                                + r);
            }
            scales[i] = update.scale();
            for (int j = 0; j < update.rank(); j++) {
                held[j] += p[i];
            }
            sum.add(update.zeroPad(r), p[i]);
        }
        Adapter padded = sum.result();
        double[] inverse = new double[r];
        double[] unheld = new double[r];
        int unheldCount = 0;
        for (int j = 0; j < r; j++) {
            inverse[j] = held[j] > 0 ? 1 / held[j] : 0;
            unheld[j] = held[j] > 0 ? 0 : 1;
            unheldCount += held[j] > 0 ? 0 : 1;
        }
        Map<String, LoraPair> pairs = new LinkedHashMap<>();
        for (Map.Entry<String, LoraPair> e : padded.modules().entrySet()) {
            pairs.put(
                    e.getKey(),
                    perComponent(e.getValue(), start.module(e.getKey()), inverse, unheld));
        }
        Adapter averaged =
                new Adapter(pairs, r, start.alpha(), start.targetModules(), padded.modulesToSave());
        CorrectionPass.Result corrected =
                CorrectionPass.apply(
                        correction,
                        averaged,
                        results.stream().map(FitResult::update).toList(),
                        CorrectionPass.coefficients(p, scales, start.scale()));
        Map<String, Double> metrics = RoundMetrics.of(results, failures);
        metrics.put("components.unheld", (double) unheldCount);
        metrics.putAll(corrected.metrics());
        return new FitOutcome(corrected.adapter(), metrics);
    }

    /**
     * Component j of {@code sum} divided by its holders' total weight ({@code inverse[j]}), or the
     * global component where nobody held it ({@code unheld[j] = 1}).
     */
    private static LoraPair perComponent(
            LoraPair sum, LoraPair global, double[] inverse, double[] unheld) {
        int r = inverse.length;
        INDArray a = sum.a();
        INDArray b = sum.b();
        INDArray inverseColumn = Nd4j.create(inverse, new long[] {r, 1}, a.dataType());
        INDArray unheldColumn = Nd4j.create(unheld, new long[] {r, 1}, a.dataType());
        a.muliColumnVector(inverseColumn).addi(global.a().mulColumnVector(unheldColumn));
        b.muliRowVector(inverseColumn.reshape(1, r))
                .addi(global.b().mulRowVector(unheldColumn.reshape(1, r)));
        return new LoraPair(a, b);
    }
}
