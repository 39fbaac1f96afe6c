package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import io.fedlora.nn.LoraLinear;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * FLoRA (Wang et al., NeurIPS 2024): the clients' updates are stacked, {@code A = [c₁A₁; c₂A₂; …]}
 * and {@code B = [B₁, B₂, …]} with {@code cᵢ = pᵢ·sᵢ/s}, so that {@code s·B·A = Σ pᵢ·sᵢ·Bᵢ·Aᵢ}
 * exactly, whatever the clients' ranks ({@link RankPolicy#HETEROGENEOUS}). The stack is merged into
 * the frozen base ({@link BaseUpdate}, factored: its rank is {@code Σ rᵢ}, which is FLoRA's growing
 * download) and every client starts the next round from a fresh adapter: A drawn as PEFT draws it
 * ({@link LoraLinear#initialA}) from a seed derived from {@code (initSeed, round)}, so a resumed
 * run draws the same one, and B zero. Saved modules (a head) are averaged.
 */
public final class Flora extends SampledStrategy {

    private final Weighting weighting;
    private final long initSeed;

    /**
     * @param initSeed seeds the fresh A of every round together with the round number
     */
    public Flora(ClientSampler sampler, Weighting weighting, long initSeed) {
        super(sampler, RankPolicy.HETEROGENEOUS);
        this.weighting = weighting;
        this.initSeed = initSeed;
    }

    @Override
    public String name() {
        return "flora";
    }

    @Override
    public FitOutcome aggregateFit(
            long round, GlobalModel global, List<FitResult> results, List<Failure> failures) {
        double[] p = weighting.of(results);
        Adapter start = global.adapter();
        double scale = start.scale();
        StackedProducts stack = new StackedProducts();
        SavedModuleSum saved = new SavedModuleSum();
        int stackedRank = 0;
        for (int i = 0; i < results.size(); i++) {
            Adapter update = results.get(i).adapter();
            stackedRank += update.rank();
            double c = p[i] * update.scale() / scale;
            for (String module : start.modules().keySet()) {
                stack.add(module, update.module(module), c);
            }
            saved.add(update.modulesToSave(), p[i]);
        }
        Adapter fresh = freshAdapter(start, saved.result(), round);
        Map<String, Double> metrics = RoundMetrics.of(results, failures);
        metrics.put("base-update.rank", (double) stackedRank);
        return new FitOutcome(fresh, Optional.of(stack.build(scale)), metrics);
    }

    /**
     * The adapter of the next round: {@code start}'s layout, A freshly drawn module by module in
     * order from one seeded stream (as a model draws them when LoRA is enabled), B zero.
     */
    Adapter freshAdapter(Adapter start, Map<String, INDArray> saved, long round) {
        Random rng = new Random(seedOf(round));
        Map<String, LoraPair> pairs = new LinkedHashMap<>();
        start.modules()
                .forEach(
                        (name, pair) ->
                                pairs.put(
                                        name,
                                        new LoraPair(
                                                LoraLinear.initialA(
                                                        pair.rank(),
                                                        pair.inFeatures(),
                                                        pair.a().dataType(),
                                                        rng),
                                                Nd4j.zeros(
                                                        pair.b().dataType(),
                                                        pair.outFeatures(),
                                                        pair.rank()))));
        return new Adapter(pairs, start.rank(), start.alpha(), start.targetModules(), saved);
    }

    /** The seed of round {@code round}'s fresh A: a SplitMix64 mix of both numbers. */
    long seedOf(long round) {
        long z = initSeed * 0x9E3779B97F4A7C15L + round;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
