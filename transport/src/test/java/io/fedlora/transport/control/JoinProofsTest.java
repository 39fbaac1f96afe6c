package io.fedlora.transport.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class JoinProofsTest {

    @Test
    void proofIsTheHmacOfNonceAndWorker() throws Exception {
        // RFC 4231 test case 2 checks the JDK's HMAC; the proof is that HMAC over our message.
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("Jefe".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        assertEquals(
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
                HexFormat.of()
                        .formatHex(
                                mac.doFinal(
                                        "what do ya want for nothing?"
                                                .getBytes(StandardCharsets.UTF_8))));
        String expected =
                HexFormat.of()
                        .formatHex(
                                mac.doFinal(
                                        "fedlora-join\0abcd\0w1".getBytes(StandardCharsets.UTF_8)));
        assertEquals(expected, JoinProofs.proof("Jefe", "abcd", "w1"));
    }

    @Test
    void onlyTheRightTokenNonceAndWorkerVerify() {
        String nonce = JoinProofs.nonce();
        String proof = JoinProofs.proof("s3cret", nonce, "w1");
        assertTrue(JoinProofs.verify("s3cret", nonce, "w1", proof));
        assertFalse(JoinProofs.verify("wrong", nonce, "w1", proof));
        assertFalse(JoinProofs.verify("s3cret", JoinProofs.nonce(), "w1", proof));
        assertFalse(JoinProofs.verify("s3cret", nonce, "w2", proof));
        assertFalse(JoinProofs.verify("s3cret", nonce, "w1", "00"));
        assertFalse(proof.contains("s3cret"));
        assertEquals(64, nonce.length());
        assertNotEquals(nonce, JoinProofs.nonce());
        assertThrows(IllegalArgumentException.class, () -> JoinProofs.proof("", nonce, "w1"));
    }
}
