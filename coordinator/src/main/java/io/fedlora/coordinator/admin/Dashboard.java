package io.fedlora.coordinator.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The live dashboard: one self-contained HTML page (inline CSS and script, no external resources,
 * since cluster machines may have no internet). It holds no data; its script takes the admin token
 * from the URL fragment ({@code /#token=…}, never sent to the server) or a prompt, keeps it in
 * sessionStorage, and polls the API every 2 s.
 */
final class Dashboard {

    private static final String RESOURCE = "dashboard.html";
    private static final String HTML = load();

    private Dashboard() {}

    static String html() {
        return HTML;
    }

    private static String load() {
        try (InputStream in = Dashboard.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the coordinator jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
