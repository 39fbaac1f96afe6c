package io.fedlora.aggregation.privacy;

import java.nio.ByteBuffer;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Random;

/**
 * Where DP noise comes from: a cryptographically strong generator per round. {@link
 * #systemEntropy()} (the default) draws from the operating system's entropy and cannot be replayed,
 * which is what a deployment wants: whoever can predict the noise can subtract it. {@link
 * #seeded(long)} derives each round's stream from a seed and the round number with SHA1PRNG, so an
 * experiment is reproducible and a restarted coordinator adds the same noise to a round it repeats;
 * anyone who knows the seed knows the noise, so keep it secret or leave it out.
 */
@FunctionalInterface
public interface NoiseSource {

    /** The generator for {@code round}'s noise. */
    Random forRound(long round);

    /** Fresh operating-system entropy every round (not reproducible). */
    static NoiseSource systemEntropy() {
        return round -> new SecureRandom();
    }

    /**
     * A deterministic stream per {@code (seed, round)}: SHA1PRNG seeded before first use, which
     * makes its output a function of the seed alone.
     */
    static NoiseSource seeded(long seed) {
        return round -> {
            try {
                SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
                random.setSeed(ByteBuffer.allocate(16).putLong(seed).putLong(round).array());
                return random;
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("this JVM has no SHA1PRNG", e);
            }
        };
    }
}
