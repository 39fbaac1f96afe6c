package io.fedlora.coordinator.admin;

import com.typesafe.config.Config;
import java.util.Objects;

/**
 * Where the admin API listens and the token it demands, read from {@code
 * fedlora.coordinator.admin}.
 *
 * @param host the interface to bind
 * @param port the TCP port; 0 picks a free one
 * @param token the bearer token every API request must carry; never blank
 */
public record AdminSettings(String host, int port, String token) {

    public AdminSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(token, "token");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(
                    "fedlora.coordinator.admin.port must be 0..65535, got " + port);
        }
        requireToken(token);
    }

    /** Reads {@code fedlora.coordinator.admin} of {@code config}. */
    public static AdminSettings fromConfig(Config config) {
        Config c = config.getConfig("fedlora.coordinator.admin");
        return new AdminSettings(c.getString("host"), c.getInt("port"), c.getString("token"));
    }

    /** An admin API without a token would hand the run to anyone who can reach the port. */
    static void requireToken(String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException(
                    "fedlora.coordinator.admin.token is empty: the admin API will not start"
                            + " without one (set it, or FEDLORA_ADMIN_TOKEN)");
        }
    }

    /** Never prints the token: settings end up in logs. */
    @Override
    public String toString() {
        return "AdminSettings[host=" + host + ", port=" + port + ", token=<hidden>]";
    }
}
