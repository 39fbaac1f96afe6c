package io.fedlora.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Calls the coordinator's admin API with the bearer token. Every way a call can fail becomes an
 * {@link IOException} whose message is the one line the user reads: a refused token, no coordinator
 * at the URL, a timeout, or the API's own error text.
 */
final class AdminClient {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String token;
    private final HttpClient http;

    /**
     * @param url the coordinator's admin address, e.g. {@code http://127.0.0.1:8080}
     * @throws IllegalArgumentException for a URL that is not http(s)://host[:port], or no token
     */
    AdminClient(String url, String token) {
        this.base = baseUri(url);
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException(
                    "no admin token: pass --token or set FEDLORA_ADMIN_TOKEN");
        }
        this.token = token.trim();
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
    }

    /** {@code GET path}'s body as text. */
    String get(String path) throws IOException {
        return send(request(path).GET(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** {@code GET path}'s body as bytes. */
    byte[] getBytes(String path) throws IOException {
        return send(request(path).GET(), HttpResponse.BodyHandlers.ofByteArray()).body();
    }

    /** {@code POST path} without a body; the answer's body as text. */
    String post(String path) throws IOException {
        return send(
                        request(path).POST(HttpRequest.BodyPublishers.noBody()),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path))
                .timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + token);
    }

    private <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> body)
            throws IOException {
        HttpResponse<T> r;
        try {
            r = http.send(request.build(), body);
        } catch (ConnectException e) {
            throw new IOException("no coordinator answers at " + display(), e);
        } catch (HttpTimeoutException e) {
            throw new IOException(
                    "the coordinator at " + display() + " did not answer in time (" + e + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while calling " + display());
        } catch (IOException e) {
            if (e.getCause() instanceof ConnectException) {
                throw new IOException("no coordinator answers at " + display(), e);
            }
            throw new IOException("the call to " + display() + " failed: " + e, e);
        }
        if (r.statusCode() == 401) {
            throw new IOException("the admin API refused the token (401)");
        }
        if (r.statusCode() / 100 != 2) {
            throw new IOException(
                    "the admin API answered "
                            + r.statusCode()
                            + " to "
                            + r.request().method()
                            + " "
                            + r.uri().getPath()
                            + ": "
                            + errorText(r.body()));
        }
        return r;
    }

    /** The API's {@code {"error": …}} text, or the body itself when it is not such JSON. */
    private static String errorText(Object body) {
        String text =
                body instanceof byte[] bytes
                        ? new String(bytes, StandardCharsets.UTF_8)
                        : String.valueOf(body);
        try {
            JsonNode error = JSON.readTree(text).get("error");
            if (error != null && error.isTextual()) {
                return error.asText();
            }
        } catch (IOException notJson) {
            // fall through to the raw text
        }
        String line = text.strip().replaceAll("\\s+", " ");
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }

    private String display() {
        return base.toString().replaceAll("/$", "");
    }

    private static URI baseUri(String url) {
        URI uri;
        try {
            uri = URI.create(url.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--url '" + url + "' is not a URL", e);
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                || uri.getHost() == null) {
            throw new IllegalArgumentException(
                    "--url must look like http://host:port, got '" + url + "'");
        }
        // The API's paths are absolute; a base with a path prefix (behind a proxy) keeps it.
        String path = uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath();
        return uri.resolve(path.endsWith("/") ? path : path + "/");
    }
}
