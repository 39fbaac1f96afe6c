package io.fedlora.transport.control;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;
import java.util.Objects;

/**
 * How one fedlora process takes part in the Pekko cluster, read from {@code fedlora.cluster}: its
 * remoting address, the seed nodes, its role, the join token, and optional TLS. {@link
 * #pekkoConfig} turns them into the Pekko settings the actor system starts with, so coordinator and
 * workers configure remoting, membership, downing and TLS the same way.
 *
 * @param systemName the actor system's name; every node of a cluster uses the same one
 * @param host the address other nodes reach this one at
 * @param port this node's remoting port; 0 picks a free one
 * @param seedNodes {@code host:port} of the nodes a new member contacts to join
 * @param joinToken the shared secret workers prove they hold (never sent; see {@link JoinProofs})
 * @param tls whether remoting runs over TLS (Artery's {@code tls-tcp})
 * @param keyStore path of this node's JKS/PKCS12 key store (TLS only)
 * @param trustStore path of the trust store (TLS only)
 * @param storePassword password of both stores (TLS only)
 */
public record ClusterSettings(
        String systemName,
        String host,
        int port,
        List<String> seedNodes,
        String joinToken,
        boolean tls,
        String keyStore,
        String trustStore,
        String storePassword) {

    public ClusterSettings {
        Objects.requireNonNull(systemName, "systemName");
        Objects.requireNonNull(host, "host");
        seedNodes = List.copyOf(seedNodes);
        Objects.requireNonNull(joinToken, "joinToken");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(
                    "fedlora.cluster.port must be 0..65535, got " + port);
        }
        if (seedNodes.isEmpty()) {
            throw new IllegalArgumentException("fedlora.cluster.seed-nodes is empty");
        }
        for (String s : seedNodes) {
            if (!s.matches("[^:/\\s]+:\\d{1,5}")) {
                throw new IllegalArgumentException(
                        "fedlora.cluster.seed-nodes entry '" + s + "' is not host:port");
            }
        }
        if (joinToken.isBlank()) {
            throw new IllegalArgumentException(
                    "fedlora.cluster.join-token is empty: set it (or FEDLORA_JOIN_TOKEN)");
        }
        if (tls && (keyStore.isBlank() || trustStore.isBlank())) {
            throw new IllegalArgumentException(
                    "fedlora.cluster.tls.enabled needs key-store and trust-store");
        }
    }

    /** Reads {@code fedlora.cluster} of {@code config}. */
    public static ClusterSettings fromConfig(Config config) {
        Config c = config.getConfig("fedlora.cluster");
        return new ClusterSettings(
                c.getString("system-name"),
                c.getString("host"),
                c.getInt("port"),
                c.getStringList("seed-nodes"),
                c.getString("join-token"),
                c.getBoolean("tls.enabled"),
                c.getString("tls.key-store"),
                c.getString("tls.trust-store"),
                c.getString("tls.password"));
    }

    /** The same settings on another port (tests and scripts starting several nodes). */
    public ClusterSettings withPort(int newPort) {
        return new ClusterSettings(
                systemName,
                host,
                newPort,
                seedNodes,
                joinToken,
                tls,
                keyStore,
                trustStore,
                storePassword);
    }

    /**
     * Pekko's settings for a node with {@code role} ({@code coordinator} or {@code worker}), laid
     * over {@code base} (which keeps everything else, e.g. serializers from reference.conf).
     *
     * <p>Downing is Pekko's split brain resolver in {@code keep-oldest} mode on the coordinator
     * role: a worker that becomes unreachable is downed and removed, so the coordinator's round
     * goes on without it; when the coordinator is the one lost, the workers down themselves and
     * rejoin through the seed nodes once it is back.
     *
     * <p>The failure detector tolerates 10 s of silence and binding may take 30 s: workers train on
     * the same few cores that carry heartbeats, and a node falsely marked unreachable would be
     * downed. A worker that is really gone is noticed sooner by the coordinator's own heartbeat
     * check ({@code fedlora.coordinator.worker-timeout}).
     */
    public Config pekkoConfig(String role, Config base) {
        String protocol = "pekko";
        List<String> seeds =
                seedNodes.stream().map(s -> protocol + "://" + systemName + "@" + s).toList();
        Config cluster =
                ConfigFactory.parseString(
                                """
                pekko.actor.provider = cluster
                pekko.remote.artery.transport = tcp
                pekko.cluster.downing-provider-class = "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider"
                pekko.cluster.split-brain-resolver.active-strategy = keep-oldest
                pekko.cluster.split-brain-resolver.keep-oldest.role = coordinator
                pekko.cluster.split-brain-resolver.keep-oldest.down-if-alone = off
                pekko.cluster.split-brain-resolver.stable-after = 3s
                pekko.cluster.split-brain-resolver.down-all-when-unstable = off
                pekko.cluster.failure-detector.acceptable-heartbeat-pause = 10s
                pekko.remote.artery.bind.bind-timeout = 30s
                pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
                pekko.cluster.log-info = off
                pekko.coordinated-shutdown.exit-jvm = off
                """)
                        .withValue(
                                "pekko.remote.artery.canonical.hostname",
                                ConfigValueFactory.fromAnyRef(host))
                        .withValue(
                                "pekko.remote.artery.canonical.port",
                                ConfigValueFactory.fromAnyRef(port))
                        .withValue(
                                "pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds))
                        .withValue(
                                "pekko.cluster.roles",
                                ConfigValueFactory.fromIterable(List.of(role)));
        if (tls) {
            cluster =
                    ConfigFactory.parseString(
                                    """
                    pekko.remote.artery.transport = tls-tcp
                    pekko.remote.artery.ssl.config-ssl-engine.require-mutual-authentication = on
                    """)
                            .withValue(
                                    "pekko.remote.artery.ssl.config-ssl-engine.key-store",
                                    ConfigValueFactory.fromAnyRef(keyStore))
                            .withValue(
                                    "pekko.remote.artery.ssl.config-ssl-engine.trust-store",
                                    ConfigValueFactory.fromAnyRef(trustStore))
                            .withValue(
                                    "pekko.remote.artery.ssl.config-ssl-engine.key-store-password",
                                    ConfigValueFactory.fromAnyRef(storePassword))
                            .withValue(
                                    "pekko.remote.artery.ssl.config-ssl-engine.key-password",
                                    ConfigValueFactory.fromAnyRef(storePassword))
                            .withValue(
                                    "pekko.remote.artery.ssl.config-ssl-engine.trust-store-password",
                                    ConfigValueFactory.fromAnyRef(storePassword))
                            .withFallback(cluster);
        }
        return cluster.withFallback(base);
    }
}
