package io.fedlora.coordinator;

import io.fedlora.transport.control.JoinProofs;
import io.fedlora.transport.control.ToWorker;
import io.fedlora.transport.message.Message;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The join handshake, coordinator side: a {@link Message.Join} in the protocol this build speaks
 * gets a fresh nonce; the {@link Message.JoinProof} that follows, from the same inbox, admits the
 * worker when it is the HMAC of that nonce under the join token. Anything else is refused, logged
 * and counted. One nonce per worker id is outstanding; a new join replaces it. Owned by the
 * coordinator actor (not thread-safe).
 */
final class JoinDesk {

    private static final Logger log = LoggerFactory.getLogger(JoinDesk.class);

    /** What a proof leads to. */
    sealed interface Verdict {}

    /** The worker proved it holds the token. */
    record Admit(String workerId, String host) implements Verdict {}

    /** The worker is turned away with this reply. */
    record Refuse(Message.JoinRefused reply) implements Verdict {}

    private record Pending(String nonce, ActorRef<ToWorker> inbox, String host) {}

    private final String token;
    private final Map<String, Pending> challenges = new HashMap<>();
    private long refused;

    JoinDesk(String token) {
        if (token.isBlank()) {
            throw new IllegalArgumentException("the join token is empty");
        }
        this.token = token;
    }

    /** The reply to a join: a challenge, or a refusal when the protocols differ. */
    Message challenge(Message.Join join, ActorRef<ToWorker> from) {
        if (join.protocolVersion() != Message.PROTOCOL_VERSION) {
            return refuse(
                            join.workerId(),
                            join.host(),
                            "protocol "
                                    + join.protocolVersion()
                                    + " is not spoken here (this coordinator speaks "
                                    + Message.PROTOCOL_VERSION
                                    + ")")
                    .reply();
        }
        String nonce = JoinProofs.nonce();
        challenges.put(join.workerId(), new Pending(nonce, from, join.host()));
        return new Message.JoinChallenge(join.workerId(), nonce);
    }

    /** Checks a proof against the challenge sent to the same inbox; a challenge is used once. */
    Verdict verify(Message.JoinProof proof, ActorRef<ToWorker> from) {
        Pending pending = challenges.remove(proof.workerId());
        if (pending == null || !pending.inbox().equals(from)) {
            return refuse(
                    proof.workerId(), from.path().address().toString(), "no join in progress");
        }
        if (!JoinProofs.verify(token, pending.nonce(), proof.workerId(), proof.proof())) {
            return refuse(proof.workerId(), pending.host(), "join token does not match");
        }
        return new Admit(proof.workerId(), pending.host());
    }

    /** Joins refused so far. */
    long refused() {
        return refused;
    }

    private Refuse refuse(String workerId, String host, String reason) {
        refused++;
        log.warn("refused worker {} from {}: {}", workerId, host, reason);
        return new Refuse(new Message.JoinRefused(workerId, reason));
    }
}
