package io.fedlora.coordinator.admin;

import java.util.Objects;

/**
 * One admitted worker.
 *
 * @param id the worker's id
 * @param host where its process runs
 * @param device e.g. {@code cpu}, {@code cuda:0}
 * @param memoryBytes usable memory it advertised
 * @param maxRank the largest LoRA rank it accepts
 * @param exampleCount training examples it holds
 * @param activity {@code idle}, {@code training} or {@code evaluating}
 * @param lastHeartbeatMillis epoch ms of its last heartbeat, as received by the coordinator
 * @param joinedAtMillis epoch ms it was admitted
 * @param roundsCompleted updates of this worker the coordinator accepted
 */
public record WorkerStatus(
        String id,
        String host,
        String device,
        long memoryBytes,
        int maxRank,
        long exampleCount,
        String activity,
        long lastHeartbeatMillis,
        long joinedAtMillis,
        long roundsCompleted) {
    public WorkerStatus {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(activity, "activity");
    }
}
