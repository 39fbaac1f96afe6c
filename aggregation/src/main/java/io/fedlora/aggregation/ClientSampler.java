package io.fedlora.aggregation;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Picks the clients of a round, as Flower's {@code fraction_fit} / {@code min_fit_clients}: {@code
 * max(minClients, ⌈fraction · available⌉)} of them, uniformly without replacement, from a random
 * stream seeded by {@code (seed, round)} so that a resumed run picks the same clients again. With
 * fewer than {@code minClients} available it picks none and the runner waits.
 */
public record ClientSampler(double fraction, int minClients, long seed) {

    /** Every available client, every round. */
    public static final ClientSampler ALL = new ClientSampler(1.0, 1, 0);

    public ClientSampler {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("fraction must be in (0, 1], got " + fraction);
        }
        if (minClients < 1) {
            throw new IllegalArgumentException("minClients must be >= 1, got " + minClients);
        }
    }

    /** The round's clients, in id order (the order never depends on arrival order). */
    public List<ClientInfo> sample(long round, List<ClientInfo> available) {
        if (available.size() < minClients) {
            return List.of();
        }
        List<ClientInfo> pool = new ArrayList<>(available);
        pool.sort(Comparator.comparing(ClientInfo::id));
        int wanted =
                Math.min(
                        pool.size(), Math.max(minClients, (int) Math.ceil(fraction * pool.size())));
        if (wanted < pool.size()) {
            Collections.shuffle(pool, new Random(seed * 0x9E3779B97F4A7C15L + round));
            pool = new ArrayList<>(pool.subList(0, wanted));
            pool.sort(Comparator.comparing(ClientInfo::id));
        }
        return List.copyOf(pool);
    }
}
