package io.fedlora.coordinator.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * Checks {@code Authorization: Bearer <token>} headers against the configured token. Both sides are
 * hashed first and the digests compared with {@link MessageDigest#isEqual}, so the time a check
 * takes says nothing about how much of a guess was right, not even its length.
 */
final class BearerToken {

    private static final String SCHEME = "Bearer ";

    private final byte[] expectedDigest;

    BearerToken(String token) {
        AdminSettings.requireToken(token);
        this.expectedDigest = sha256(token);
    }

    /** Whether {@code authorization} (the header's value, if any) carries the token. */
    boolean accepts(Optional<String> authorization) {
        String presented =
                authorization
                        .filter(h -> h.regionMatches(true, 0, SCHEME, 0, SCHEME.length()))
                        .map(h -> h.substring(SCHEME.length()).trim())
                        .orElse("");
        // Hash even when nothing usable was presented, so a missing header costs the same.
        boolean equal = MessageDigest.isEqual(expectedDigest, sha256(presented));
        return equal && !presented.isEmpty();
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
