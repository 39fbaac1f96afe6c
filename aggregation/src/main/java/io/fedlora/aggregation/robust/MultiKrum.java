package io.fedlora.aggregation.robust;

import io.fedlora.aggregation.ClientSampler;
import io.fedlora.aggregation.Failure;
import io.fedlora.aggregation.FitOutcome;
import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.aggregation.RankPolicy;
import io.fedlora.aggregation.RoundMetrics;
import io.fedlora.aggregation.SampledStrategy;
import io.fedlora.aggregation.StrategySpec;
import io.fedlora.aggregation.StreamingSum;
import io.fedlora.aggregation.UpdateHandle;
import io.fedlora.aggregation.Weighting;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Multi-Krum (Blanchard et al., NeurIPS 2017; El Mhamdi et al., ICML 2018): with n clients of which
 * at most f are Byzantine, each client's Krum score is the sum of its squared distances, in
 * parameter space, to its {@code n − f − 2} nearest other clients; the {@code m} clients with the
 * lowest scores (ties to the earlier result) are averaged with their {@link Weighting} weights,
 * renormalised over the selected ones. {@code m = 1} is Krum; the default {@code m = n − f}. Needs
 * {@code n ≥ 2f + 3}.
 *
 * <p>Distances are computed one module at a time ({@link PairwiseDistances}); the average streams
 * one selected update at a time.
 */
public final class MultiKrum extends SampledStrategy {

    private final Weighting weighting;
    private final int byzantine;
    private final int select;

    /**
     * @param byzantine f, the number of Byzantine clients tolerated
     * @param select m, how many clients are averaged; 0 for {@code n − f}
     */
    public MultiKrum(ClientSampler sampler, Weighting weighting, int byzantine, int select) {
        super(sampler, RankPolicy.HOMOGENEOUS);
        if (byzantine < 0) {
            throw new IllegalArgumentException(
                    "multi-krum: byzantine (f) must be >= 0, got " + byzantine);
        }
        if (select < 0) {
            throw new IllegalArgumentException(
                    "multi-krum: select (m) must be >= 1, or 0 for n - f; got " + select);
        }
        this.weighting = weighting;
        this.byzantine = byzantine;
        this.select = select;
    }

    /**
     * From options {@code byzantine} (f, default 1) and {@code select} (m, default 0: {@code n −
     * f}).
     */
    public static MultiKrum fromOptions(
            ClientSampler sampler, Weighting weighting, StrategySpec.Reader options) {
        return new MultiKrum(
                sampler, weighting, options.integer("byzantine", 1), options.integer("select", 0));
    }

    @Override
    public String name() {
        return "multi-krum";
    }

    /** Krum scores of every client from the squared distances {@code d} among n clients. */
    public static double[] scores(double[][] d, int byzantine) {
        int n = d.length;
        int neighbours = n - byzantine - 2;
        double[] scores = new double[n];
        for (int i = 0; i < n; i++) {
            double[] others = new double[n - 1];
            int k = 0;
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    others[k++] = d[i][j];
                }
            }
            Arrays.sort(others);
            for (int j = 0; j < neighbours; j++) {
                scores[i] += others[j];
            }
        }
        return scores;
    }

    /** Indices of the {@code m} lowest scores, in result order. */
    static int[] selectLowest(double[] scores, int m) {
        return IntStream.range(0, scores.length)
                .boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> scores[i]).thenComparing(i -> i))
                .limit(m)
                .mapToInt(Integer::intValue)
                .sorted()
                .toArray();
    }

    @Override
    public FitOutcome aggregateFit(
            long round, GlobalModel global, List<FitResult> results, List<Failure> failures) {
        int n = results.size();
        if (n < 2 * byzantine + 3) {
            throw new IllegalArgumentException(
                    "multi-krum: "
                            + n
                            + " results cannot outvote f = "
                            + byzantine
                            + " Byzantine clients; Krum needs at least 2f + 3 = "
                            + (2 * byzantine + 3));
        }
        int m = select == 0 ? n - byzantine : select;
        if (m > n) {
            throw new IllegalArgumentException(
                    "multi-krum: cannot select m = " + m + " of " + n + " results");
        }
        List<UpdateHandle> updates = results.stream().map(FitResult::update).toList();
        double[] scores = scores(PairwiseDistances.squared(global.adapter(), updates), byzantine);
        int[] chosen = selectLowest(scores, m);
        List<FitResult> selected = new ArrayList<>();
        for (int i : chosen) {
            selected.add(results.get(i));
        }
        double[] p = weighting.of(selected);
        StreamingSum sum = new StreamingSum();
        for (int i = 0; i < selected.size(); i++) {
            sum.add(selected.get(i).adapter(), p[i]);
        }
        Map<String, Double> metrics = RoundMetrics.of(results, failures);
        metrics.put("krum.selected", (double) m);
        metrics.put("krum.rejected", (double) (n - m));
        metrics.put(
                "krum.max-selected-score",
                Arrays.stream(chosen).mapToDouble(i -> scores[i]).max().orElse(0));
        return new FitOutcome(sum.result(), metrics);
    }
}
