package io.fedlora.aggregation.fair;

import io.fedlora.aggregation.AggregationError;
import io.fedlora.aggregation.ClientSampler;
import io.fedlora.aggregation.FactorCorrection;
import io.fedlora.aggregation.FedIt;
import io.fedlora.aggregation.FitOutcome;
import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.aggregation.Strategy;
import io.fedlora.aggregation.Weighting;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * One seeded round of same-rank clients of one module, drawn over a wide range: 2–8 clients, rank
 * 1–4, shapes up to 12, B of scale 1e-3 to 10, A drifting from the shared start by {@code 1%} to
 * {@code maxDrift} of its scale, example counts 1–100.
 */
record RandomRound(long seed, List<LoraPair> pairs, List<FitResult> results, double[] p) {

    static RandomRound of(long seed, double maxDrift) {
        Random rnd = new Random(seed);
        int n = 2 + rnd.nextInt(7);
        int r = 1 + rnd.nextInt(4);
        int out = r + 1 + rnd.nextInt(8);
        int in = r + 1 + rnd.nextInt(8);
        double bScale = Math.pow(10, -3 + 4 * rnd.nextDouble());
        double drift = Math.exp(Math.log(0.01) + Math.log(maxDrift / 0.01) * rnd.nextDouble());
        int[] ranks = new int[n];
        Arrays.fill(ranks, r);
        List<LoraPair> pairs = FairFixtures.clients(rnd, out, in, ranks, 1, bScale, drift);
        List<Adapter> adapters = pairs.stream().map(FairFixtures::adapter).toList();
        long[] examples = new long[n];
        for (int i = 0; i < n; i++) {
            examples[i] = 1 + rnd.nextInt(100);
        }
        List<FitResult> results = FairFixtures.results(adapters, examples);
        return new RandomRound(seed, pairs, results, Weighting.EXAMPLES.of(results));
    }

    FitOutcome aggregate(FactorCorrection correction) {
        return aggregateWith(
                new FedIt("test", new ClientSampler(1, 1, 0), Weighting.EXAMPLES, correction));
    }

    FitOutcome aggregateWith(Strategy strategy) {
        return strategy.aggregateFit(
                1, GlobalModel.initial(results.get(0).adapter()), results, List.of());
    }

    /** The aggregation residual {@code ‖Σ pᵢsᵢBᵢAᵢ − s·B·A‖/‖Σ pᵢsᵢBᵢAᵢ‖} of an outcome. */
    double residual(FitOutcome outcome) {
        return AggregationError.max(AggregationError.perModule(results, p, outcome));
    }
}
