package io.fedlora.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fedlora.transport.control.ClusterSettings;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pekko remoting over TLS, switched on by {@code fedlora.cluster.tls}: a worker node with the
 * cluster's certificate joins; a node speaking plain TCP, or holding a certificate the cluster does
 * not trust, never becomes a member.
 */
class ClusterTlsTest {

    @TempDir Path dir;
    private final List<ActorSystem<Void>> systems = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        systems.forEach(ActorSystem::terminate);
        for (ActorSystem<Void> s : systems) {
            s.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void onlyNodesWithTheTrustedCertificateJoin() throws Exception {
        Path trusted = keyStore("cluster");
        Path stranger = keyStore("stranger");
        int seedPort = freePort();
        ActorSystem<Void> coordinator =
                node("coordinator", seedPort, seedPort, tls(trusted, trusted));
        Cluster.get(coordinator)
                .manager()
                .tell(Join.create(Cluster.get(coordinator).selfMember().address()));

        ActorSystem<Void> worker = node("worker", 0, seedPort, tls(trusted, trusted));
        ActorSystem<Void> plain =
                node("worker", 0, seedPort, "fedlora.cluster.tls.enabled = false");
        ActorSystem<Void> untrusted = node("worker", 0, seedPort, tls(stranger, stranger));

        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(30);
        while (upMembers(coordinator) < 2 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertEquals(2, upMembers(coordinator), "the coordinator and the TLS worker are up");
        System.out.printf("TLS worker up after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        assertTrue(isUp(coordinator, worker), "the TLS worker is the second member");
        // Give the others the same time again: they must still be outside.
        Thread.sleep(5000);
        assertEquals(2, upMembers(coordinator));
        assertTrue(!isUp(coordinator, plain), "a plain TCP node stays out");
        assertTrue(!isUp(coordinator, untrusted), "an untrusted certificate stays out");
    }

    private static long upMembers(ActorSystem<Void> system) {
        return StreamSupport.stream(Cluster.get(system).state().getMembers().spliterator(), false)
                .filter(m -> m.status() == MemberStatus.up())
                .count();
    }

    /** Whether {@code observer} sees {@code node} as an Up member. */
    private static boolean isUp(ActorSystem<Void> observer, ActorSystem<Void> node) {
        var address = Cluster.get(node).selfMember().address();
        return StreamSupport.stream(Cluster.get(observer).state().getMembers().spliterator(), false)
                .anyMatch(m -> m.address().equals(address) && m.status() == MemberStatus.up());
    }

    private static String tls(Path keyStore, Path trustStore) {
        return """
               fedlora.cluster.tls { enabled = true, key-store = "%s", trust-store = "%s", password = "changeit" }
               """
                .formatted(keyStore, trustStore);
    }

    private ActorSystem<Void> node(String role, int port, int seedPort, String extra) {
        Config config =
                ConfigFactory.parseString(extra)
                        .withFallback(
                                ConfigFactory.parseString(
                                        "fedlora.cluster.seed-nodes = [\"127.0.0.1:"
                                                + seedPort
                                                + "\"]\nfedlora.cluster.port = "
                                                + port))
                        .withFallback(ConfigFactory.load())
                        .resolve();
        ClusterSettings settings = ClusterSettings.fromConfig(config);
        Config pekko = settings.pekkoConfig(role, config);
        if (role.equals("coordinator")) {
            pekko =
                    pekko.withValue(
                            "pekko.cluster.seed-nodes",
                            com.typesafe.config.ConfigValueFactory.fromIterable(List.of()));
        }
        ActorSystem<Void> system =
                ActorSystem.create(Behaviors.empty(), settings.systemName(), pekko);
        systems.add(system);
        return system;
    }

    /** A PKCS12 store with one self-signed RSA key pair, made with the JDK's keytool. */
    private Path keyStore(String name) throws Exception {
        Path store = dir.resolve(name + ".p12");
        Process p =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "keytool")
                                        .toString(),
                                "-genkeypair",
                                "-alias",
                                name,
                                "-keyalg",
                                "RSA",
                                "-keysize",
                                "2048",
                                "-validity",
                                "2",
                                "-dname",
                                "CN=" + name,
                                "-storetype",
                                "PKCS12",
                                "-keystore",
                                store.toString(),
                                "-storepass",
                                "changeit")
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        return store;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
