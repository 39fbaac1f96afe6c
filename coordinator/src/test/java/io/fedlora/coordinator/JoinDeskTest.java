package io.fedlora.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.fedlora.transport.control.JoinProofs;
import io.fedlora.transport.control.ToWorker;
import io.fedlora.transport.message.Message;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class JoinDeskTest {

    private static final ActorTestKit kit = ActorTestKit.create();

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    private static Message.Join join(String id) {
        return new Message.Join(Message.PROTOCOL_VERSION, id, "host-" + id);
    }

    @Test
    void admitsTheHmacOfItsOwnNonceOnceAndRefusesEverythingElse() {
        JoinDesk desk = new JoinDesk("s3cret");
        TestProbe<ToWorker> w1 = kit.createTestProbe();
        TestProbe<ToWorker> other = kit.createTestProbe();

        String nonce =
                assertInstanceOf(Message.JoinChallenge.class, desk.challenge(join("w1"), w1.ref()))
                        .nonce();
        String proof = JoinProofs.proof("s3cret", nonce, "w1");
        // The right proof from another inbox is refused and uses up the challenge.
        assertRefused(
                desk.verify(new Message.JoinProof("w1", proof), other.ref()),
                "no join in progress");
        assertRefused(
                desk.verify(new Message.JoinProof("w1", proof), w1.ref()), "no join in progress");

        nonce =
                assertInstanceOf(Message.JoinChallenge.class, desk.challenge(join("w1"), w1.ref()))
                        .nonce();
        // A proof for the old nonce, or under another token, does not match.
        assertRefused(
                desk.verify(new Message.JoinProof("w1", proof), w1.ref()),
                "join token does not match");
        nonce =
                assertInstanceOf(Message.JoinChallenge.class, desk.challenge(join("w1"), w1.ref()))
                        .nonce();
        assertRefused(
                desk.verify(
                        new Message.JoinProof("w1", JoinProofs.proof("guess", nonce, "w1")),
                        w1.ref()),
                "join token does not match");

        nonce =
                assertInstanceOf(Message.JoinChallenge.class, desk.challenge(join("w1"), w1.ref()))
                        .nonce();
        JoinDesk.Verdict ok =
                desk.verify(
                        new Message.JoinProof("w1", JoinProofs.proof("s3cret", nonce, "w1")),
                        w1.ref());
        assertEquals(new JoinDesk.Admit("w1", "host-w1"), ok);
        assertEquals(4, desk.refused());
    }

    @Test
    void refusesAnotherProtocolWithoutAChallenge() {
        JoinDesk desk = new JoinDesk("s3cret");
        TestProbe<ToWorker> w = kit.createTestProbe();
        Message reply =
                desk.challenge(new Message.Join(Message.PROTOCOL_VERSION + 1, "w9", "h"), w.ref());
        Message.JoinRefused refused = assertInstanceOf(Message.JoinRefused.class, reply);
        assertEquals("w9", refused.workerId());
        assertEquals(1, desk.refused());
    }

    private static void assertRefused(JoinDesk.Verdict verdict, String reason) {
        assertEquals(reason, assertInstanceOf(JoinDesk.Refuse.class, verdict).reply().reason());
    }
}
