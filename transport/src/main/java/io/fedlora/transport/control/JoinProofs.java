package io.fedlora.transport.control;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The join handshake's proof of membership: the coordinator sends a fresh random nonce, the worker
 * answers {@code HMAC-SHA256(token, "fedlora-join\0" + nonce + "\0" + workerId)}. The token never
 * crosses the wire, a recorded proof is worthless for another nonce, and binding the worker id
 * keeps one worker's proof from admitting another name.
 */
public final class JoinProofs {

    private static final String ALGORITHM = "HmacSHA256";
    private static final int NONCE_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private JoinProofs() {}

    /** A fresh 256-bit nonce, hex-encoded. */
    public static String nonce() {
        byte[] n = new byte[NONCE_BYTES];
        RANDOM.nextBytes(n);
        return HexFormat.of().formatHex(n);
    }

    /** The proof a worker holding {@code token} gives for {@code nonce}, hex-encoded. */
    public static String proof(String token, String nonce, String workerId) {
        if (token.isEmpty()) {
            throw new IllegalArgumentException("the join token is empty");
        }
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), ALGORITHM));
            byte[] tag =
                    mac.doFinal(
                            ("fedlora-join\0" + nonce + "\0" + workerId)
                                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(tag);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    /** Whether {@code proof} is right for the token, nonce and worker; constant time. */
    public static boolean verify(String token, String nonce, String workerId, String proof) {
        byte[] expected = proof(token, nonce, workerId).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, proof.getBytes(StandardCharsets.US_ASCII));
    }
}
