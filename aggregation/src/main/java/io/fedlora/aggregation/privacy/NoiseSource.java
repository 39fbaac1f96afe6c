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

    /**
     * Fresh operating-system entropy every round (not reproducible): SHA1PRNG seeded with 32 bytes
     * of the platform's default {@link SecureRandom}. Reading the platform generator for every
     * value would be slower (NativePRNG about 2.4 M Gaussians/s, DRBG 0.4 M, SHA1PRNG 3.5 M on the
     * development machine) for no gain in unpredictability.
     */
    static NoiseSource systemEntropy() {
        SecureRandom entropy = new SecureRandom();
        return round -> {
            byte[] seed = new byte[32];
            entropy.nextBytes(seed);
            return sha1prng(seed);
        };
    }

    /**
     * A deterministic stream per {@code (seed, round)}: SHA1PRNG seeded before first use, which
     * makes its output a function of the seed alone.
     */
    static NoiseSource seeded(long seed) {
        return round -> sha1prng(ByteBuffer.allocate(16).putLong(seed).putLong(round).array());
    }

    /** A SHA1PRNG whose whole output is determined by {@code seed} (set before first use). */
    private static SecureRandom sha1prng(byte[] seed) {
        try {
            SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
            random.setSeed(seed);
            return random;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA1PRNG", e);
        }
    }
}
