package io.fedlora.transport.message;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Every message of the fedlora protocol, control and data alike. Each is an immutable record; maps
 * and lists are copied into unmodifiable ones on construction. Control messages travel as Pekko
 * messages and data messages ({@link GlobalAdapter}, {@link FitResult}) over the Aeron data plane;
 * both are written by the same Kryo registrations ({@code WireRegistry}), under the wire protocol
 * version {@link #PROTOCOL_VERSION}.
 */
public sealed interface Message {

    /** The wire protocol this build speaks; a frame or a {@link Join} with another is refused. */
    int PROTOCOL_VERSION = 2;

    /** A worker asks to join, naming the protocol version it speaks. */
    record Join(int protocolVersion, String workerId, String host) implements Message {
        public Join {
            Objects.requireNonNull(workerId, "workerId");
            Objects.requireNonNull(host, "host");
        }
    }

    /** The coordinator refuses a join (for example a protocol version it does not speak). */
    record JoinRefused(String workerId, String reason) implements Message {
        public JoinRefused {
            Objects.requireNonNull(workerId, "workerId");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** A worker leaves the federation, with a human-readable reason. */
    record Leave(String workerId, String reason) implements Message {
        public Leave {
            Objects.requireNonNull(workerId, "workerId");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * What a worker can do: its device (e.g. {@code cpu}, {@code cuda:0}), usable memory in bytes,
     * the largest LoRA rank it accepts, how many training examples it holds, and the data-plane
     * endpoint ({@code host:port}) where it receives global adapters.
     */
    record CapabilityAdvert(
            String workerId,
            String device,
            long memoryBytes,
            int maxRank,
            long exampleCount,
            String adapterEndpoint)
            implements Message {
        public CapabilityAdvert {
            Objects.requireNonNull(workerId, "workerId");
            Objects.requireNonNull(device, "device");
            Objects.requireNonNull(adapterEndpoint, "adapterEndpoint");
            if (memoryBytes < 0 || maxRank <= 0 || exampleCount < 0) {
                throw new IllegalArgumentException(
                        "capability of "
                                + workerId
                                + " must have memoryBytes >= 0, maxRank > 0, exampleCount >= 0");
            }
        }
    }

    /**
     * Train locally for one round, starting from global adapter {@code adapterVersion}, at rank
     * {@code rank}, for {@code localSteps} optimizer steps at {@code learningRate}, with the given
     * seed; {@code options} carries strategy-specific settings.
     */
    record FitInstruction(
            long round,
            long adapterVersion,
            int rank,
            int localSteps,
            double learningRate,
            long seed,
            Map<String, String> options)
            implements Message {
        public FitInstruction {
            options = Map.copyOf(options);
        }
    }

    /** Evaluate global adapter {@code adapterVersion} on the worker's held-out data. */
    record EvaluateInstruction(long round, long adapterVersion, Map<String, String> options)
            implements Message {
        public EvaluateInstruction {
            options = Map.copyOf(options);
        }
    }

    /**
     * A worker's trained adapter for a round, trained from global version {@code baseVersion} on
     * {@code exampleCount} examples, with training metrics (name → value).
     */
    record FitResult(
            long round,
            String workerId,
            long baseVersion,
            long exampleCount,
            Map<String, Double> metrics,
            AdapterPayload update)
            implements Message {
        public FitResult {
            Objects.requireNonNull(workerId, "workerId");
            Objects.requireNonNull(update, "update");
            metrics = Map.copyOf(metrics);
        }
    }

    /** A worker's evaluation of a global adapter: mean loss and metrics over its examples. */
    record EvaluateResult(
            long round,
            String workerId,
            long adapterVersion,
            long exampleCount,
            double loss,
            Map<String, Double> metrics)
            implements Message {
        public EvaluateResult {
            Objects.requireNonNull(workerId, "workerId");
            metrics = Map.copyOf(metrics);
        }
    }

    /**
     * Global adapter {@code version} is about to be (or has been) broadcast: {@code sizeBytes} of
     * encoded message whose CRC32C is {@code digest}, written with {@code codec}. A worker that
     * already holds the version skips the transfer; a receiver refuses sizes above its limit.
     */
    record AdapterAnnouncement(long version, long sizeBytes, int digest, String codec)
            implements Message {
        public AdapterAnnouncement {
            Objects.requireNonNull(codec, "codec");
            if (sizeBytes < 0) {
                throw new IllegalArgumentException("announced size must be >= 0, got " + sizeBytes);
            }
        }
    }

    /** The global adapter of one version: the data message broadcast to workers. */
    record GlobalAdapter(long version, AdapterPayload adapter) implements Message {
        public GlobalAdapter {
            Objects.requireNonNull(adapter, "adapter");
        }
    }

    /** Liveness: a worker is still there at {@code sentAtMillis} (its wall clock, epoch ms). */
    record Heartbeat(String workerId, long sentAtMillis) implements Message {
        public Heartbeat {
            Objects.requireNonNull(workerId, "workerId");
        }
    }

    /** A failure reported as a value: a short machine-readable code and a reason for humans. */
    record ErrorReport(String workerId, String code, String reason, List<String> details)
            implements Message {
        public ErrorReport {
            Objects.requireNonNull(workerId, "workerId");
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(reason, "reason");
            details = List.copyOf(details);
        }
    }

    /**
     * The coordinator answers a {@link Join} with a fresh random nonce; the worker proves it holds
     * the join token by returning {@code HMAC-SHA256(token, nonce, workerId)} in a {@link
     * JoinProof}. The token itself never crosses the wire.
     */
    record JoinChallenge(String workerId, String nonce) implements Message {
        public JoinChallenge {
            Objects.requireNonNull(workerId, "workerId");
            Objects.requireNonNull(nonce, "nonce");
        }
    }

    /** A worker's answer to a {@link JoinChallenge}: the HMAC, hex-encoded. */
    record JoinProof(String workerId, String proof) implements Message {
        public JoinProof {
            Objects.requireNonNull(workerId, "workerId");
            Objects.requireNonNull(proof, "proof");
        }
    }

    /**
     * The coordinator admits a worker; its updates go to the data-plane endpoint {@code
     * resultEndpoint} ({@code host:port}).
     */
    record JoinAccepted(String workerId, String resultEndpoint) implements Message {
        public JoinAccepted {
            Objects.requireNonNull(workerId, "workerId");
            Objects.requireNonNull(resultEndpoint, "resultEndpoint");
        }
    }

    /** The run is over ({@code reason} says why): workers leave and exit. */
    record RunFinished(String reason) implements Message {
        public RunFinished {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
