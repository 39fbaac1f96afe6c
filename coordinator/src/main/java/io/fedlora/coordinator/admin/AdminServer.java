package io.fedlora.coordinator.admin;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's HTTP admin API and live dashboard, served by Pekko HTTP on the coordinator's
 * actor system. See {@link AdminRoutes} for the paths.
 */
public final class AdminServer {

    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

    /** How long {@link #stop} lets requests in flight finish. */
    private static final Duration DRAIN = Duration.ofSeconds(3);

    private final ServerBinding binding;

    private AdminServer(ServerBinding binding) {
        this.binding = binding;
    }

    /**
     * Binds the API.
     *
     * @param port the TCP port; 0 picks a free one (see {@link #port()})
     * @param token the bearer token every request but the dashboard page must carry
     * @throws IllegalArgumentException when {@code token} is empty: an open admin API is refused
     */
    public static CompletionStage<AdminServer> start(
            ActorSystem<?> system, String host, int port, String token, AdminPort adminPort) {
        AdminRoutes routes =
                new AdminRoutes(
                        adminPort,
                        new BearerToken(token),
                        system.dispatchers().lookup(DispatcherSelector.blocking()),
                        System::currentTimeMillis);
        return Http.get(system)
                .newServerAt(host, port)
                .adaptSettings(s -> s.withRemoteAddressAttribute(true))
                .bind(routes.route())
                .thenApply(
                        binding -> {
                            LOG.info(
                                    "admin API and dashboard at http://{}:{}/",
                                    host,
                                    binding.localAddress().getPort());
                            return new AdminServer(binding);
                        });
    }

    /** Binds the API as {@code settings} say. */
    public static CompletionStage<AdminServer> start(
            ActorSystem<?> system, AdminSettings settings, AdminPort adminPort) {
        return start(system, settings.host(), settings.port(), settings.token(), adminPort);
    }

    /** The port actually bound. */
    public int port() {
        return binding.localAddress().getPort();
    }

    /** Stops accepting connections and lets requests in flight finish for a few seconds. */
    public CompletionStage<Void> stop() {
        return binding.terminate(DRAIN).thenApply(terminated -> null);
    }
}
