package io.fedlora.coordinator;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import io.fedlora.aggregation.Strategies;
import io.fedlora.aggregation.Strategy;
import io.fedlora.coordinator.admin.AdminPort;
import io.fedlora.coordinator.admin.AdminServer;
import io.fedlora.coordinator.admin.AdminSettings;
import io.fedlora.coordinator.run.RunDirectory;
import io.fedlora.lora.Adapter;
import io.fedlora.transport.aeron.Endpoints;
import io.fedlora.transport.aeron.TransportContext;
import io.fedlora.transport.control.ClusterSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator process: a Pekko cluster node with role {@code coordinator} that forms the
 * cluster (it joins itself; workers join through it as their seed node), runs the {@link
 * Coordinator} as a cluster singleton, and opens the run directory and the data plane. {@link
 * #awaitEnd()} blocks until the run ends and shuts the node down.
 */
public final class CoordinatorNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CoordinatorNode.class);

    /** Strategies whose rounds change the frozen base, which workers cannot receive yet. */
    private static final Set<String> BASE_CHANGING = Set.of("flora", "fedex-lora");

    /** Time for the last messages (RunFinished to every worker) to leave before shutdown. */
    private static final Duration FAREWELL = Duration.ofSeconds(2);

    private final CoordinatorSettings settings;
    private final ActorSystem<Void> system;
    private final ActorRef<Coordinator.Command> coordinator;
    private final CompletableFuture<Coordinator.Outcome> finished;
    private final ExecutorService blocking;
    private final RunDirectory runDir;
    private AdminServer admin;

    private CoordinatorNode(
            CoordinatorSettings settings,
            ActorSystem<Void> system,
            ActorRef<Coordinator.Command> coordinator,
            CompletableFuture<Coordinator.Outcome> finished,
            ExecutorService blocking,
            RunDirectory runDir) {
        this.settings = settings;
        this.system = system;
        this.coordinator = coordinator;
        this.finished = finished;
        this.blocking = blocking;
        this.runDir = runDir;
    }

    /**
     * Reads and checks every setting a coordinator needs (its own, the admin API's, the cluster's,
     * the strategy with its options), so that a wrong config fails before any expensive work.
     *
     * @throws IllegalArgumentException or {@link com.typesafe.config.ConfigException} naming the
     *     setting
     */
    public static void check(Config config) {
        strategyOf(CoordinatorSettings.fromConfig(config));
        AdminSettings.fromConfig(config);
        ClusterSettings.fromConfig(config);
    }

    private static Strategy strategyOf(CoordinatorSettings settings) {
        if (BASE_CHANGING.contains(settings.strategy().name())) {
            throw new IllegalArgumentException(
                    "strategy "
                            + settings.strategy().name()
                            + " changes the base model, which the cluster does not ship to"
                            + " workers yet; run it with fedlora simulate");
        }
        return Strategies.create(settings.strategy());
    }

    /**
     * Starts a coordinator from {@code config} (the application's config with every module's
     * reference.conf below it) for a run whose clients start from {@code initialAdapter}.
     */
    public static CoordinatorNode start(Config config, Adapter initialAdapter) {
        CoordinatorSettings settings = CoordinatorSettings.fromConfig(config);
        AdminSettings adminSettings = AdminSettings.fromConfig(config);
        ClusterSettings cluster = ClusterSettings.fromConfig(config);
        if (cluster.port() == 0) {
            // The coordinator is the workers' seed node: it listens where the first seed points.
            String seed = cluster.seedNodes().get(0);
            cluster = cluster.withPort(Endpoints.port(seed));
        }
        Strategy strategy = strategyOf(settings);
        RunDirectory runDir;
        try {
            runDir = RunDirectory.open(settings.runDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open run directory " + settings.runDir(), e);
        }
        // The coordinator forms the cluster itself, so it needs no seed list of its own.
        Config pekko =
                cluster.pekkoConfig("coordinator", config)
                        .withValue(
                                "pekko.cluster.seed-nodes",
                                ConfigValueFactory.fromIterable(List.of()));
        TransportContext transport = TransportContext.fromConfig(config);
        String advertisedHost = cluster.host();
        ExecutorService blocking =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t = new Thread(r, "fedlora-aggregation");
                            t.setDaemon(true);
                            return t;
                        });
        CompletableFuture<Coordinator.Outcome> finished = new CompletableFuture<>();
        Coordinator.Setup setup =
                new Coordinator.Setup(
                        settings,
                        cluster.joinToken(),
                        strategy,
                        runDir,
                        initialAdapter,
                        onUpdate ->
                                new DataPlane(
                                        transport,
                                        settings.dataEndpoint(),
                                        advertisedHost,
                                        onUpdate),
                        blocking,
                        finished);
        ActorSystem<Void> system =
                ActorSystem.create(Behaviors.empty(), cluster.systemName(), pekko);
        Cluster self = Cluster.get(system);
        self.manager().tell(Join.create(self.selfMember().address()));
        ActorRef<Coordinator.Command> proxy =
                ClusterSingleton.get(system)
                        .init(
                                SingletonActor.of(Coordinator.create(setup), "coordinator")
                                        .withSettings(
                                                ClusterSingletonSettings.create(system)
                                                        .withRole("coordinator")));
        log.info(
                "coordinator node {} up; workers join through {}:{}",
                self.selfMember().address(),
                cluster.host(),
                cluster.port());
        CoordinatorNode node =
                new CoordinatorNode(settings, system, proxy, finished, blocking, runDir);
        try {
            node.admin =
                    AdminServer.start(system, adminSettings, node.adminPort())
                            .toCompletableFuture()
                            .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            node.close();
            throw new IllegalArgumentException(
                    "the admin API cannot listen on "
                            + adminSettings.host()
                            + ":"
                            + adminSettings.port()
                            + ": "
                            + (e.getCause() == null ? e : e.getCause()).getMessage(),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            node.close();
            throw new IllegalStateException("interrupted while starting the admin API", e);
        }
        return node;
    }

    /** The port the admin API listens on. */
    public int adminHttpPort() {
        return admin.port();
    }

    public ActorSystem<Void> system() {
        return system;
    }

    public ActorRef<Coordinator.Command> coordinator() {
        return coordinator;
    }

    public CoordinatorSettings settings() {
        return settings;
    }

    public RunDirectory runDir() {
        return runDir;
    }

    /** The admin view of this coordinator. */
    public AdminPort adminPort() {
        return new ActorAdminPort(system, coordinator, runDir.adapterDir());
    }

    /** Completes when the run ends (exceptionally when it fails). */
    public CompletableFuture<Coordinator.Outcome> finished() {
        return finished;
    }

    /**
     * Blocks until the run ends, then shuts the node down.
     *
     * @return the outcome
     * @throws IllegalStateException when the run failed
     */
    public Coordinator.Outcome awaitEnd() throws InterruptedException {
        try {
            Coordinator.Outcome outcome = finished.get();
            Thread.sleep(FAREWELL.toMillis());
            return outcome;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } finally {
            close();
        }
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.stop()
                    .toCompletableFuture()
                    .orTimeout(5, TimeUnit.SECONDS)
                    .exceptionally(e -> null)
                    .join();
        }
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("actor system did not terminate cleanly: {}", e.toString());
        }
        blocking.shutdownNow();
    }
}
