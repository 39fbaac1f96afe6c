package io.fedlora.coordinator;

import io.fedlora.aggregation.ClientInfo;
import io.fedlora.coordinator.admin.WorkerStatus;
import io.fedlora.transport.control.ToWorker;
import io.fedlora.transport.message.Message;
import java.util.Map;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * A worker the coordinator admitted: its inbox, what it advertised, and what the coordinator knows
 * of it this session (last heartbeat, the adapter version it was last sent, what it is doing).
 * Mutable, owned by the coordinator actor only.
 */
final class AdmittedWorker {

    final String id;
    final String host;
    final ActorRef<ToWorker> inbox;
    final long joinedAtMillis;
    Message.CapabilityAdvert capability;
    long lastHeartbeatMillis;

    /** The newest global adapter version sent to this worker in this session; -1 for none. */
    long sentVersion = -1;

    String activity = "idle";
    long accepted;

    AdmittedWorker(String id, String host, ActorRef<ToWorker> inbox, long nowMillis) {
        this.id = Objects.requireNonNull(id, "id");
        this.host = Objects.requireNonNull(host, "host");
        this.inbox = Objects.requireNonNull(inbox, "inbox");
        this.joinedAtMillis = nowMillis;
        this.lastHeartbeatMillis = nowMillis;
    }

    /** Whether it has advertised its capacity, so that strategies may pick it. */
    boolean ready() {
        return capability != null;
    }

    ClientInfo clientInfo() {
        return new ClientInfo(
                id,
                capability.maxRank(),
                capability.exampleCount(),
                Map.of("device", capability.device(), "host", host));
    }

    WorkerStatus status() {
        return new WorkerStatus(
                id,
                host,
                capability == null ? "?" : capability.device(),
                capability == null ? 0 : capability.memoryBytes(),
                capability == null ? 0 : capability.maxRank(),
                capability == null ? 0 : capability.exampleCount(),
                activity,
                lastHeartbeatMillis,
                joinedAtMillis,
                accepted);
    }
}
