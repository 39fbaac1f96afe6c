package io.fedlora.transport.aeron;

import io.aeron.Subscription;
import java.time.Duration;
import java.util.List;
import org.agrona.concurrent.SleepingMillisIdleStrategy;

/**
 * {@code host:port} endpoints of the data plane: their parts, and the endpoint a subscription is to
 * be reached at once bound (a wildcard host replaced by the advertised one, a port 0 by the port
 * the driver took).
 */
public final class Endpoints {

    /** How long a subscription at port 0 may take to bind. */
    private static final Duration BIND_WAIT = Duration.ofSeconds(10);

    private Endpoints() {}

    public static String host(String endpoint) {
        return endpoint.substring(0, colon(endpoint));
    }

    public static int port(String endpoint) {
        return Integer.parseInt(endpoint.substring(colon(endpoint) + 1));
    }

    /**
     * Where peers reach {@code subscription}, configured at {@code configured}: its host, or {@code
     * advertisedHost} when that is a wildcard ({@code 0.0.0.0}, {@code *}); its port, or the one
     * the driver bound when it is 0.
     *
     * @throws IllegalStateException when a port-0 subscription is not bound within 10 s
     */
    public static String advertised(
            Subscription subscription, String configured, String advertisedHost) {
        String host = host(configured);
        if (host.equals("0.0.0.0") || host.equals("*")) {
            host = advertisedHost;
        }
        return host + ":" + boundPort(subscription, configured);
    }

    private static int boundPort(Subscription subscription, String configured) {
        int port = port(configured);
        if (port != 0) {
            return port;
        }
        long deadline = System.nanoTime() + BIND_WAIT.toNanos();
        SleepingMillisIdleStrategy idle = new SleepingMillisIdleStrategy(5);
        while (System.nanoTime() < deadline) {
            List<String> bound = subscription.localSocketAddresses();
            if (!bound.isEmpty()) {
                return port(bound.get(0));
            }
            idle.idle();
        }
        throw new IllegalStateException(
                "the subscription at " + configured + " did not bind within " + BIND_WAIT);
    }

    private static int colon(String endpoint) {
        int colon = endpoint.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("endpoint '" + endpoint + "' is not host:port");
        }
        return colon;
    }
}
