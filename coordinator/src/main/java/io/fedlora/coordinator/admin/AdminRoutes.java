package io.fedlora.coordinator.admin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.ContentDisposition;
import org.apache.pekko.http.javadsl.model.headers.ContentDispositionTypes;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's routes. {@code GET /} serves the dashboard page, which holds no data; every other
 * path needs the bearer token, checked before the path is even looked at, so a caller without it
 * learns nothing about which paths exist.
 *
 * <pre>
 * GET  /api/status   RunStatus as JSON
 * GET  /api/workers  the admitted workers (with heartbeatAgeSeconds)
 * GET  /api/rounds   the completed rounds
 * POST /api/pause | /api/resume | /api/stop   ControlReply as JSON
 * GET  /api/adapter  the current adapter as a zip of its PEFT files; 404 before the first
 * GET  /metrics      Prometheus text exposition
 * </pre>
 */
final class AdminRoutes extends AllDirectives {

    private static final Logger LOG = LoggerFactory.getLogger(AdminRoutes.class);

    private static final ContentType ZIP = ContentTypes.create(MediaTypes.APPLICATION_ZIP);
    private static final ContentType.NonBinary PROMETHEUS =
            (ContentType.NonBinary) ContentTypes.parse(PrometheusText.CONTENT_TYPE);

    /** The page's script is inline and it talks only to this origin; nothing else may load. */
    private static final List<HttpHeader> PAGE_HEADERS =
            List.of(
                    RawHeader.create(
                            "Content-Security-Policy",
                            "default-src 'none'; script-src 'unsafe-inline'; style-src"
                                    + " 'unsafe-inline'; connect-src 'self'; img-src data:"),
                    RawHeader.create("Referrer-Policy", "no-referrer"),
                    RawHeader.create("X-Content-Type-Options", "nosniff"),
                    RawHeader.create("Cache-Control", "no-store"));

    private final AdminPort port;
    private final BearerToken token;
    private final Executor blocking;
    private final LongSupplier clockMillis;

    /**
     * @param blocking where the adapter's files are read and zipped (not on the HTTP threads)
     * @param clockMillis the coordinator's clock, for heartbeat ages
     */
    AdminRoutes(AdminPort port, BearerToken token, Executor blocking, LongSupplier clockMillis) {
        this.port = port;
        this.token = token;
        this.blocking = blocking;
        this.clockMillis = clockMillis;
    }

    Route route() {
        return concat(
                pathSingleSlash(
                        () ->
                                get(
                                        () ->
                                                respondWithHeaders(
                                                        PAGE_HEADERS,
                                                        () ->
                                                                complete(
                                                                        HttpEntities.create(
                                                                                ContentTypes
                                                                                        .TEXT_HTML_UTF8,
                                                                                Dashboard
                                                                                        .html()))))),
                extractRequest(
                        request ->
                                optionalHeaderValueByName(
                                        "Authorization",
                                        auth ->
                                                token.accepts(auth)
                                                        ? api()
                                                        : refuse(request, auth.isPresent()))));
    }

    /** Built per request (inside the token check), so each request asks the port afresh. */
    private Route api() {
        return concat(
                pathPrefix(
                        "api",
                        () ->
                                concat(
                                        path("status", () -> get(this::status)),
                                        path("workers", () -> get(this::workers)),
                                        path("rounds", () -> get(this::rounds)),
                                        path("pause", () -> post(() -> control(port.pause()))),
                                        path("resume", () -> post(() -> control(port.resume()))),
                                        path(
                                                "stop",
                                                () -> post(() -> control(port.stopAfterRound()))),
                                        path("adapter", () -> get(this::adapter)))),
                path("metrics", () -> get(this::metrics)));
    }

    private Route status() {
        return json(port.status().thenApply(AdminJson::status));
    }

    private Route workers() {
        return json(port.workers().thenApply(w -> AdminJson.workers(w, clockMillis.getAsLong())));
    }

    private Route rounds() {
        return json(port.rounds().thenApply(AdminJson::rounds));
    }

    private Route control(CompletionStage<ControlReply> reply) {
        return json(reply.thenApply(AdminJson::control));
    }

    private Route metrics() {
        CompletionStage<HttpResponse> response =
                port.status()
                        .thenCombine(
                                port.workers(),
                                (s, w) -> AdminMetrics.render(s, w, clockMillis.getAsLong()))
                        .thenApply(
                                text ->
                                        HttpResponse.create()
                                                .withEntity(HttpEntities.create(PROMETHEUS, text)));
        return completeWithFuture(orServerError(response));
    }

    private Route adapter() {
        Optional<Path> dir = port.currentAdapter();
        if (dir.isEmpty()) {
            return complete(
                    jsonResponse(
                            StatusCodes.NOT_FOUND,
                            AdminJson.error("no adapter yet: no round has been checkpointed")));
        }
        CompletionStage<HttpResponse> response =
                CompletableFuture.supplyAsync(() -> zip(dir.get()), blocking)
                        .thenApply(
                                bytes ->
                                        HttpResponse.create()
                                                .withEntity(HttpEntities.create(ZIP, bytes))
                                                .addHeader(
                                                        ContentDisposition.create(
                                                                ContentDispositionTypes.ATTACHMENT,
                                                                java.util.Map.of(
                                                                        "filename",
                                                                        "adapter.zip"))))
                        .exceptionally(
                                e ->
                                        cause(e) instanceof NoSuchFileException missing
                                                ? jsonResponse(
                                                        StatusCodes.NOT_FOUND,
                                                        AdminJson.error(
                                                                "the adapter directory lacks "
                                                                        + Path.of(missing.getFile())
                                                                                .getFileName()))
                                                : serverError(e));
        return completeWithFuture(response);
    }

    private static byte[] zip(Path dir) {
        try {
            return AdapterArchive.zip(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Route json(CompletionStage<String> body) {
        return completeWithFuture(
                orServerError(body.thenApply(b -> jsonResponse(StatusCodes.OK, b))));
    }

    private Route refuse(HttpRequest request, boolean tokenPresented) {
        String from =
                request.getAttribute(AttributeKeys.remoteAddress)
                        .flatMap(a -> a.getAddress())
                        .map(a -> a.getHostAddress())
                        .orElse("an unknown address");
        // The path without its query; the header's value is never logged.
        LOG.warn(
                "admin API refused {} {} from {}: {}",
                request.method().value(),
                request.getUri().path(),
                from,
                tokenPresented ? "wrong bearer token" : "no bearer token");
        return complete(
                jsonResponse(
                                StatusCodes.UNAUTHORIZED,
                                AdminJson.error(
                                        "this request needs the header Authorization: Bearer"
                                                + " <admin token>"))
                        .addHeader(
                                WWWAuthenticate.create(HttpChallenge.create("Bearer", "fedlora"))));
    }

    private static CompletionStage<HttpResponse> orServerError(CompletionStage<HttpResponse> r) {
        return r.exceptionally(AdminRoutes::serverError);
    }

    private static HttpResponse serverError(Throwable e) {
        Throwable cause = cause(e);
        LOG.warn("admin API request failed", cause);
        return jsonResponse(
                StatusCodes.INTERNAL_SERVER_ERROR,
                AdminJson.error(String.valueOf(cause.getMessage())));
    }

    private static HttpResponse jsonResponse(StatusCode code, String body) {
        return HttpResponse.create()
                .withStatus(code)
                .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body));
    }

    private static Throwable cause(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof UncheckedIOException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
