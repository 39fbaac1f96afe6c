package io.fedlora.aggregation;

/**
 * Which rank each client trains at. {@link #HOMOGENEOUS}: everybody at the global adapter's rank,
 * and a client whose {@code maxRank} is smaller is not chosen. {@link #HETEROGENEOUS}: each client
 * at {@code min(maxRank, global rank)} (HetLoRA, FlexLoRA, nested ranks, FLoRA).
 */
public enum RankPolicy {
    HOMOGENEOUS,
    HETEROGENEOUS;

    /** Whether {@code client} can take part when the global adapter has rank {@code globalRank}. */
    public boolean accepts(ClientInfo client, int globalRank) {
        return this == HETEROGENEOUS || client.maxRank() >= globalRank;
    }

    /** The rank {@code client} trains at. */
    public int rankFor(ClientInfo client, int globalRank) {
        return this == HOMOGENEOUS ? globalRank : Math.min(client.maxRank(), globalRank);
    }
}
