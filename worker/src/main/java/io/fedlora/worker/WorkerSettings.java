package io.fedlora.worker;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.fedlora.transport.aeron.Endpoints;
import io.fedlora.transport.control.ClusterSettings;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;

/**
 * One worker's settings, read once from {@code fedlora.worker} (keys documented in this module's
 * {@code reference.conf}) together with its cluster membership ({@code fedlora.cluster}).
 *
 * @param id the worker's name in the federation
 * @param device the device advertised to the coordinator
 * @param maxRank the largest LoRA rank it trains at
 * @param batchSize local training mini-batch size
 * @param evalBatchSize evaluation batch size (speed only)
 * @param client index of the scenario client whose data this worker holds
 * @param dataEndpoint {@code host:port} of its adapter subscription; port 0 picks a free one
 * @param heartbeatInterval time between heartbeats once joined
 * @param adapterWait how long an instruction waits for its adapter version
 * @param reconnectBackoff pause before joining again with a fresh actor system
 * @param cluster remoting, seed nodes and the join token
 */
public record WorkerSettings(
        String id,
        String device,
        int maxRank,
        int batchSize,
        int evalBatchSize,
        int client,
        String dataEndpoint,
        Duration heartbeatInterval,
        Duration adapterWait,
        Duration reconnectBackoff,
        ClusterSettings cluster) {

    public WorkerSettings {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(dataEndpoint, "dataEndpoint");
        Objects.requireNonNull(cluster, "cluster");
        if (id.isBlank()) {
            throw new IllegalArgumentException("fedlora.worker.id is blank");
        }
        positive("max-rank", maxRank);
        positive("batch-size", batchSize);
        positive("eval-batch-size", evalBatchSize);
        if (client < 0) {
            throw new IllegalArgumentException("fedlora.worker.client must be >= 0, got " + client);
        }
        if (!dataEndpoint.matches("[^:/\\s]+:\\d{1,5}") || Endpoints.port(dataEndpoint) > 65535) {
            throw new IllegalArgumentException(
                    "fedlora.worker.data-endpoint '" + dataEndpoint + "' is not host:port");
        }
        positive("heartbeat-interval", heartbeatInterval);
        positive("adapter-wait", adapterWait);
        if (reconnectBackoff.isNegative()) {
            throw new IllegalArgumentException("fedlora.worker.reconnect-backoff is negative");
        }
    }

    /**
     * Reads {@code fedlora.worker} and {@code fedlora.cluster} of {@code config}.
     *
     * @throws IllegalArgumentException (one line, naming the key) for a missing, mistyped or
     *     invalid value
     */
    public static WorkerSettings fromConfig(Config config) {
        try {
            ClusterSettings cluster = ClusterSettings.fromConfig(config);
            Config c = config.getConfig("fedlora.worker");
            String id = c.getString("id");
            String endpoint = c.getString("data-endpoint");
            return new WorkerSettings(
                    id.isBlank() ? defaultId() : id,
                    c.getString("device"),
                    c.getInt("max-rank"),
                    c.getInt("batch-size"),
                    c.getInt("eval-batch-size"),
                    c.getInt("client"),
                    endpoint.isBlank() ? cluster.host() + ":0" : endpoint,
                    c.getDuration("heartbeat-interval"),
                    c.getDuration("adapter-wait"),
                    c.getDuration("reconnect-backoff"),
                    cluster);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** {@code <hostname>-<pid>}: unique per process on a host, readable in logs. */
    static String defaultId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "worker";
        }
        return host + "-" + ProcessHandle.current().pid();
    }

    /** The host of {@link #dataEndpoint()}. */
    public String dataHost() {
        return Endpoints.host(dataEndpoint);
    }

    private static void positive(String key, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(
                    "fedlora.worker." + key + " must be positive, got " + v);
        }
    }

    private static void positive(String key, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(
                    "fedlora.worker." + key + " must be positive, got " + d);
        }
    }
}
