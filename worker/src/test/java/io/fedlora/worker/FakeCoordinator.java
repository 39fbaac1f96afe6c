package io.fedlora.worker;

import io.fedlora.transport.control.ControlKeys;
import io.fedlora.transport.control.JoinProofs;
import io.fedlora.transport.control.ToCoordinator;
import io.fedlora.transport.control.ToWorker;
import io.fedlora.transport.message.Message;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * The coordinator's side of the join handshake, as the protocol describes it, for tests: registers
 * under {@link ControlKeys#COORDINATOR}, answers Join with a fresh challenge and a proof with
 * JoinAccepted (naming the test's result endpoint) or JoinRefused, and hands every envelope it
 * receives to a probe so the test sees the whole conversation.
 */
final class FakeCoordinator {

    private FakeCoordinator() {}

    static Behavior<ToCoordinator> create(
            String token, String resultEndpoint, ActorRef<ToCoordinator> probe) {
        return Behaviors.setup(
                ctx -> {
                    ctx.getSystem()
                            .receptionist()
                            .tell(Receptionist.register(ControlKeys.COORDINATOR, ctx.getSelf()));
                    Map<String, String> nonces = new HashMap<>();
                    return Behaviors.receive(ToCoordinator.class)
                            .onMessage(
                                    ToCoordinator.class,
                                    m -> {
                                        probe.tell(m);
                                        Message reply =
                                                answer(m.message(), token, resultEndpoint, nonces);
                                        if (reply != null) {
                                            m.replyTo().tell(new ToWorker(ctx.getSelf(), reply));
                                        }
                                        return Behaviors.same();
                                    })
                            .build();
                });
    }

    private static Message answer(
            Message m, String token, String resultEndpoint, Map<String, String> nonces) {
        if (m instanceof Message.Join j) {
            if (j.protocolVersion() != Message.PROTOCOL_VERSION) {
                return new Message.JoinRefused(j.workerId(), "protocol " + j.protocolVersion());
            }
            String nonce = JoinProofs.nonce();
            nonces.put(j.workerId(), nonce);
            return new Message.JoinChallenge(j.workerId(), nonce);
        }
        if (m instanceof Message.JoinProof p) {
            String nonce = nonces.remove(p.workerId());
            if (nonce != null && JoinProofs.verify(token, nonce, p.workerId(), p.proof())) {
                return new Message.JoinAccepted(p.workerId(), resultEndpoint);
            }
            return new Message.JoinRefused(p.workerId(), "join token does not match");
        }
        return null;
    }
}
