package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import java.util.List;
import java.util.Map;

/**
 * The client side every strategy here shares: a {@link ClientSampler} chooses among the clients the
 * {@link RankPolicy} admits, each gets its rank and the strategy's {@link #fitOptions}. Subclasses
 * write the aggregation.
 */
public abstract class SampledStrategy implements Strategy {

    private final ClientSampler sampler;
    private final RankPolicy ranks;

    protected SampledStrategy(ClientSampler sampler, RankPolicy ranks) {
        this.sampler = sampler;
        this.ranks = ranks;
    }

    /** The initial adapter as it is; strategies that reshape it override this. */
    @Override
    public GlobalModel initialize(Adapter initial) {
        return GlobalModel.initial(initial);
    }

    @Override
    public List<FitInstruction> configureFit(
            long round, GlobalModel global, List<ClientInfo> available) {
        int globalRank = global.adapter().rank();
        List<ClientInfo> eligible =
                available.stream().filter(c -> ranks.accepts(c, globalRank)).toList();
        return sampler.sample(round, eligible).stream()
                .map(
                        c -> {
                            int rank = rankFor(c, globalRank);
                            return new FitInstruction(c.id(), round, rank, fitOptions(round, rank));
                        })
                .toList();
    }

    /**
     * The rank {@code client} trains at: the {@link RankPolicy}'s by default; a strategy that
     * remembers per-client ranks (HetLoRA's self-pruning) lowers it.
     */
    protected int rankFor(ClientInfo client, int globalRank) {
        return ranks.rankFor(client, globalRank);
    }

    /**
     * Training options of a client of the round that trains at {@code rank}; {@link
     * #fitOptions(long)} by default. Nested ranks override it to pass each client its own rank.
     */
    protected Map<String, String> fitOptions(long round, int rank) {
        return fitOptions(round);
    }

    /** Training options every client of the round receives; none by default. */
    protected Map<String, String> fitOptions(long round) {
        return Map.of();
    }

    protected ClientSampler sampler() {
        return sampler;
    }

    protected RankPolicy ranks() {
        return ranks;
    }
}
