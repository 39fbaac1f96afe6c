package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.FactoredProducts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * HetLoRA (Cho et al., EMNLP 2024): clients train at their own ranks ({@link
 * RankPolicy#HETEROGENEOUS}); the server zero-pads every update to the global rank {@code r_max}
 * and sums them, weighting each client per module by {@code pᵢ·‖sᵢ·Bᵢ·Aᵢ‖_F} (normalised over the
 * clients; plain {@code pᵢ} for a module where every update is zero), so that clients that moved
 * more count more. A rank-rᵢ client starts the next round from the first rᵢ components ({@link
 * GlobalModel#clientStart(int)}). A component no sampled client holds is averaged with zeros, as
 * the paper's padding does.
 *
 * <p>Self-pruning (off unless {@code pruneGamma > 0}): a client whose trailing components hold less
 * than the share γ of its update ({@link RankPruning}) has them dropped before aggregation and
 * trains at the lower rank from then on; the lowered ranks are server state, checkpointed as {@code
 * pruned-rank.<client>} values.
 *
 * <p>A {@link FactorCorrection} (LoRA-FAIR's) may then adjust each averaged pair towards the
 * clients' ideal update {@code Σ pᵢ·sᵢ·Bᵢ·Aᵢ}, with coefficients {@code cᵢ = pᵢ·sᵢ/s}. Updates are
 * read twice (norms, then the sum), one at a time.
 */
public final class HetLora extends SampledStrategy {

    private static final String PRUNED_RANK = "pruned-rank.";

    private final Weighting weighting;
    private final FactorCorrection correction;
    private final double pruneGamma;
    private final Map<String, Integer> prunedRanks = new TreeMap<>();

    /**
     * @param pruneGamma the norm share below which trailing components are pruned; 0 turns
     *     self-pruning off
     */
    public HetLora(
            ClientSampler sampler,
            Weighting weighting,
            FactorCorrection correction,
            double pruneGamma) {
        super(sampler, RankPolicy.HETEROGENEOUS);
        if (!(pruneGamma >= 0 && pruneGamma < 1)) {
            throw new IllegalArgumentException(
                    "hetlora: prune-gamma must be in [0, 1), got " + pruneGamma);
        }
        this.weighting = weighting;
        this.correction = correction;
        this.pruneGamma = pruneGamma;
    }

    @Override
    public String name() {
        return "hetlora";
    }

    @Override
    protected int rankFor(ClientInfo client, int globalRank) {
        int rank = super.rankFor(client, globalRank);
        return Math.min(rank, prunedRanks.getOrDefault(client.id(), rank));
    }

    @Override
    public FitOutcome aggregateFit(
            long round, GlobalModel global, List<FitResult> results, List<Failure> failures) {
        double[] p = weighting.of(results);
        Adapter start = global.adapter();
        List<String> modules = List.copyOf(start.modules().keySet());
        int n = results.size();

        // Pass 1: each client's scale, kept rank and per-module update norms.
        double[] scales = new double[n];
        double[][] norms = new double[n][modules.size()];
        List<UpdateHandle> updates = new ArrayList<>(n);
        Map<String, Integer> pruned = new HashMap<>();
        for (int i = 0; i < n; i++) {
            FitResult result = results.get(i);
            Adapter update = result.adapter();
            if (update.rank() > start.rank()) {
                throw new IllegalArgumentException(
                        "client "
                                + result.clientId()
                                + " sent rank "
                                + update.rank()
                                + ", above the global rank "
                                + start.rank());
            }
            scales[i] = update.scale();
            int kept = pruneGamma > 0 ? RankPruning.keptRank(update, pruneGamma) : update.rank();
            UpdateHandle handle = result.update();
            if (kept < update.rank()) {
                pruned.put(result.clientId(), kept);
                update = update.truncate(kept);
                handle = truncated(handle, kept);
            }
            updates.add(handle);
            for (int m = 0; m < modules.size(); m++) {
                norms[i][m] =
                        scales[i] * FactoredProducts.frobeniusNorm(update.module(modules.get(m)));
            }
        }
        double[][] weights = normWeights(p, norms);

        // Pass 2: the padded, weighted sum.
        ModuleSum sum = new ModuleSum();
        SavedModuleSum saved = new SavedModuleSum();
        for (int i = 0; i < n; i++) {
            Adapter update = updates.get(i).load();
            for (int m = 0; m < modules.size(); m++) {
                String module = modules.get(m);
                sum.add(module, update.module(module).zeroPad(start.rank()), weights[i][m]);
            }
            saved.add(update.modulesToSave(), p[i]);
        }
        Adapter averaged =
                new Adapter(
                        sum.result(),
                        start.rank(),
                        start.alpha(),
                        start.targetModules(),
                        saved.result());
        CorrectionPass.Result corrected =
                CorrectionPass.apply(
                        correction,
                        averaged,
                        updates,
                        CorrectionPass.coefficients(p, scales, start.scale()));
        prunedRanks.putAll(pruned);
        Map<String, Double> metrics = RoundMetrics.of(results, failures);
        if (pruneGamma > 0) {
            metrics.put("self-pruned", (double) pruned.size());
        }
        metrics.putAll(corrected.metrics());
        return new FitOutcome(corrected.adapter(), metrics);
    }

    /**
     * {@code wᵢₘ = pᵢ·nᵢₘ / Σⱼ pⱼ·nⱼₘ} for module m, or {@code pᵢ} where every update of the module
     * is zero.
     */
    static double[][] normWeights(double[] p, double[][] norms) {
        int n = p.length;
        int modules = n == 0 ? 0 : norms[0].length;
        double[][] w = new double[n][modules];
        for (int m = 0; m < modules; m++) {
            double total = 0;
            for (int i = 0; i < n; i++) {
                total += p[i] * norms[i][m];
            }
            for (int i = 0; i < n; i++) {
                w[i][m] = total > 0 ? p[i] * norms[i][m] / total : p[i];
            }
        }
        return w;
    }

    private static UpdateHandle truncated(UpdateHandle handle, int rank) {
        return () -> handle.load().truncate(rank);
    }

    /** The ranks self-pruning has lowered, client id → rank. */
    public Map<String, Integer> prunedRanks() {
        return Map.copyOf(prunedRanks);
    }

    @Override
    public ServerState state() {
        Map<String, String> values = new TreeMap<>();
        prunedRanks.forEach((id, rank) -> values.put(PRUNED_RANK + id, Integer.toString(rank)));
        return new ServerState(Map.of(), values);
    }

    @Override
    public void restore(ServerState state) {
        if (!state.tensors().isEmpty()) {
            throw new IllegalArgumentException(
                    "hetlora keeps no tensors but was given " + state.tensors().keySet());
        }
        Map<String, Integer> ranks = new TreeMap<>();
        for (Map.Entry<String, String> e : state.values().entrySet()) {
            if (!e.getKey().startsWith(PRUNED_RANK)) {
                throw new IllegalArgumentException(
                        "hetlora state has an unknown value " + e.getKey());
            }
            int rank;
            try {
                rank = Integer.parseInt(e.getValue());
            } catch (NumberFormatException ex) {
                rank = 0;
            }
            if (rank < 1) {
                throw new IllegalArgumentException(
                        "hetlora state: " + e.getKey() + "=" + e.getValue() + " is not a rank");
            }
            ranks.put(e.getKey().substring(PRUNED_RANK.length()), rank);
        }
        prunedRanks.clear();
        prunedRanks.putAll(ranks);
    }
}
