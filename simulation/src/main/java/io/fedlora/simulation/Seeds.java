package io.fedlora.simulation;

/**
 * Derives independent seeds from a run seed, so that every random stream of a run (each client's
 * shuffles and dropout in each round) is a function of the run seed alone, whatever order clients
 * train in.
 */
public final class Seeds {

    private Seeds() {}

    /** A seed for {@code (round, client)} of the run seeded {@code seed}. */
    public static long of(long seed, long round, String clientId) {
        // String.hashCode is specified by the JLS, so the mix is the same on every JVM.
        return mix(mix(mix(seed) + round) + clientId.hashCode());
    }

    /** SplitMix64's finaliser: nearby inputs give unrelated outputs. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
