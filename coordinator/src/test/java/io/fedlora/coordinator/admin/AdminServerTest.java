package io.fedlora.coordinator.admin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedlora.coordinator.run.RoundRecordJson;
import io.fedlora.simulation.RoundRecord;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminServerTest {

    private static final String TOKEN = "s3cret-admin-token";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A sample line: name, optional {labels}, one space, a value. */
    private static final Pattern SAMPLE =
            Pattern.compile(
                    "([a-zA-Z_:][a-zA-Z0-9_:]*)"
                            + "(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\.)*\""
                            + "(?:,[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\.)*\")*\\})?"
                            + " (\\S+)");

    private static ActorSystem<Void> system;
    private static FakeAdminPort port;
    private static AdminServer server;
    private static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        system = ActorSystem.create(Behaviors.empty(), "admin-server-test");
        port = new FakeAdminPort();
        server =
                AdminServer.start(system, "127.0.0.1", 0, TOKEN, port)
                        .toCompletableFuture()
                        .get(20, TimeUnit.SECONDS);
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.stop().toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
        if (system != null) {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
    }

    @BeforeEach
    void resetPort() {
        port.status = FakeAdminPort.status("training", 3, Double.NaN);
        port.workers = List.of();
        port.rounds = List.of();
        port.adapter = Optional.empty();
        port.failure = null;
        port.calls.set(0);
        port.pauses.set(0);
        port.resumes.set(0);
        port.stops.set(0);
    }

    @Test
    void shouldBindAnyFreePortWhenAskedForZero() {
        assertTrue(server.port() > 0 && server.port() <= 65535, "port " + server.port());
    }

    @Test
    void shouldRefuseRequestsWithoutTheToken() throws Exception {
        for (String path : List.of("/api/status", "/api/workers", "/api/adapter", "/metrics")) {
            HttpResponse<String> r = send(get(path));
            assertRefused(r);
        }
        HttpResponse<String> post = send(post("/api/stop"));
        assertRefused(post);
        assertEquals(0, port.calls.get(), "a refused request reached the port");
        assertEquals(0, port.stops.get());
    }

    @Test
    void shouldRefuseAWrongToken() throws Exception {
        for (String token : List.of(TOKEN + "x", TOKEN.substring(1), "", "s3cret")) {
            assertRefused(send(get("/api/status").header("Authorization", "Bearer " + token)));
        }
        // The token in another scheme is no bearer token.
        assertRefused(send(get("/api/status").header("Authorization", "Basic " + TOKEN)));
        assertRefused(send(post("/api/pause").header("Authorization", "Bearer nope")));
        assertEquals(0, port.calls.get(), "a refused request reached the port");
        assertEquals(0, port.pauses.get());
    }

    @Test
    void shouldRefuseToStartWithoutAToken() {
        for (String empty : new String[] {"", "   "}) {
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> AdminServer.start(system, "127.0.0.1", 0, empty, port));
            assertTrue(e.getMessage().contains("token"), e.getMessage());
        }
    }

    @Test
    void shouldServeTheRunStatus() throws Exception {
        HttpResponse<String> r = send(authorized(get("/api/status")));

        assertEquals(200, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
        JsonNode s = JSON.readTree(r.body());
        assertEquals(3, s.get("round").asLong());
        assertEquals("training", s.get("state").asText());
        assertEquals(2, s.get("workers").asInt());
        assertEquals(10, s.get("rounds").asLong());
        assertEquals(2, s.get("completedRounds").asLong());
        assertEquals(1, s.get("resultsIn").asInt());
        assertEquals(2, s.get("resultsExpected").asInt());
        assertEquals("lora-fair", s.get("strategy").asText());
        assertEquals(2, s.get("rejections").get("wrong-shape").asLong());
        // No evaluation yet: NaN, spelled as a string as in the round records.
        assertEquals("NaN", s.get("lastAccuracy").asText());
        assertTrue(s.get("lastAccuracy").isTextual());

        port.status = FakeAdminPort.status("paused", 4, 0.8125);
        JsonNode later = JSON.readTree(send(authorized(get("/api/status"))).body());
        assertEquals(4, later.get("round").asLong(), "each request asks the port afresh");
        assertEquals("paused", later.get("state").asText());
        assertEquals(0.8125, later.get("lastAccuracy").asDouble(), 0);
    }

    @Test
    void shouldListTheWorkersWithTheirHeartbeatAge() throws Exception {
        long now = System.currentTimeMillis();
        port.workers =
                List.of(
                        FakeAdminPort.worker("w1", now - 3_000),
                        FakeAdminPort.worker("w2", now - 500));

        HttpResponse<String> r = send(authorized(get("/api/workers")));

        assertEquals(200, r.statusCode());
        JsonNode list = JSON.readTree(r.body());
        assertEquals(2, list.size());
        JsonNode w1 = list.get(0);
        assertEquals("w1", w1.get("id").asText());
        assertEquals("host-w1", w1.get("host").asText());
        assertEquals("cpu", w1.get("device").asText());
        assertEquals(8L << 30, w1.get("memoryBytes").asLong());
        assertEquals(16, w1.get("maxRank").asInt());
        assertEquals(10_000, w1.get("exampleCount").asLong());
        assertEquals("training", w1.get("activity").asText());
        assertEquals(4, w1.get("roundsCompleted").asLong());
        double age = w1.get("heartbeatAgeSeconds").asDouble();
        assertTrue(age >= 3.0 && age < 13.0, "heartbeat age " + age);
        assertTrue(list.get(1).get("heartbeatAgeSeconds").asDouble() < age);
    }

    @Test
    void shouldListTheRoundsAsRoundRecordJson() throws Exception {
        List<RoundRecord> rounds =
                List.of(
                        FakeAdminPort.round(0, Double.NaN, 0.1),
                        FakeAdminPort.round(1, 0.91, 0.42),
                        FakeAdminPort.round(2, 0.55, 0.61));
        port.rounds = rounds;

        HttpResponse<String> r = send(authorized(get("/api/rounds")));

        assertEquals(200, r.statusCode());
        JsonNode list = JSON.readTree(r.body());
        assertEquals(3, list.size());
        for (int i = 0; i < rounds.size(); i++) {
            assertEquals(rounds.get(i), RoundRecordJson.fromJson(list.get(i)));
        }
        assertEquals(0.61, list.get(2).get("evaluation").get("metrics").get("accuracy").asDouble());
    }

    @Test
    void shouldPassPauseResumeAndStopToThePort() throws Exception {
        JsonNode paused = JSON.readTree(send(authorized(post("/api/pause"))).body());
        assertEquals(1, port.pauses.get());
        assertTrue(paused.get("changed").asBoolean());
        assertEquals("paused", paused.get("state").asText());
        assertEquals("no new round starts until resume", paused.get("message").asText());

        JsonNode resumed = JSON.readTree(send(authorized(post("/api/resume"))).body());
        assertEquals(1, port.resumes.get());
        assertEquals("training", resumed.get("state").asText());

        HttpResponse<String> stop = send(authorized(post("/api/stop")));
        assertEquals(200, stop.statusCode());
        assertEquals(1, port.stops.get());
        assertEquals(
                "the run ends after round 3", JSON.readTree(stop.body()).get("message").asText());

        // Controls change the run: a GET must not trigger them.
        assertEquals(405, send(authorized(get("/api/stop"))).statusCode());
        assertEquals(1, port.stops.get());
        assertEquals(1, port.pauses.get());
    }

    @Test
    void shouldAnswer404BeforeAnAdapterExists() throws Exception {
        HttpResponse<String> r = send(authorized(get("/api/adapter")));

        assertEquals(404, r.statusCode());
        assertTrue(JSON.readTree(r.body()).get("error").asText().contains("no adapter"), r.body());
    }

    @Test
    void shouldServeTheAdapterAsAZipOfItsPeftFiles(@TempDir Path dir) throws Exception {
        byte[] weights = new byte[300_000];
        new java.util.Random(7).nextBytes(weights);
        byte[] config = "{\"r\": 8, \"lora_alpha\": 16, \"peft_type\": \"LORA\"}".getBytes();
        Files.write(dir.resolve("adapter_model.safetensors"), weights);
        Files.write(dir.resolve("adapter_config.json"), config);
        port.adapter = Optional.of(dir);

        HttpResponse<byte[]> r =
                http.send(
                        authorized(get("/api/adapter")).build(),
                        HttpResponse.BodyHandlers.ofByteArray());

        assertEquals(200, r.statusCode());
        assertEquals("application/zip", r.headers().firstValue("Content-Type").orElse(""));
        Map<String, byte[]> entries = unzip(r.body());
        assertEquals(Set.of("adapter_model.safetensors", "adapter_config.json"), entries.keySet());
        assertArrayEquals(weights, entries.get("adapter_model.safetensors"));
        assertArrayEquals(config, entries.get("adapter_config.json"));
    }

    @Test
    void shouldAnswer404WhenTheAdapterDirectoryLacksAFile(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("adapter_config.json"), new byte[] {'{', '}'});
        port.adapter = Optional.of(dir);

        HttpResponse<String> r = send(authorized(get("/api/adapter")));

        assertEquals(404, r.statusCode());
        assertTrue(r.body().contains("adapter_model.safetensors"), r.body());
    }

    @Test
    void shouldExposePrometheusText() throws Exception {
        long now = System.currentTimeMillis();
        port.workers = List.of(FakeAdminPort.worker("w\"1", now - 2_000));
        port.status = FakeAdminPort.status("paused", 5, 0.75);

        HttpResponse<String> r = send(authorized(get("/metrics")));

        assertEquals(200, r.statusCode());
        String type = r.headers().firstValue("Content-Type").orElse("");
        assertTrue(type.startsWith("text/plain") && type.contains("version=0.0.4"), type);
        Map<String, Double> samples = parsePrometheus(r.body());
        assertEquals(5.0, samples.get("fedlora_round"));
        assertEquals(4.0, samples.get("fedlora_rounds_completed_total"));
        assertEquals(2.0, samples.get("fedlora_workers"));
        assertEquals(1.0, samples.get("fedlora_updates_rejected_total{reason=\"non-finite\"}"));
        assertEquals(2.0, samples.get("fedlora_updates_rejected_total{reason=\"wrong-shape\"}"));
        assertEquals(0.75, samples.get("fedlora_last_accuracy"));
        assertEquals(1.0, samples.get("fedlora_round_results{kind=\"in\"}"));
        assertEquals(2.0, samples.get("fedlora_round_results{kind=\"expected\"}"));
        assertEquals(1.0, samples.get("fedlora_paused"));
        assertEquals(1.0, samples.get("fedlora_run_state{state=\"paused\"}"));
        assertEquals(0.0, samples.get("fedlora_run_state{state=\"training\"}"));
        assertEquals(4.0, samples.get("fedlora_worker_updates_accepted_total{worker=\"w\\\"1\"}"));
        double age = samples.get("fedlora_worker_heartbeat_age_seconds{worker=\"w\\\"1\"}");
        assertTrue(age >= 2.0 && age < 12.0, "age " + age);

        port.status = FakeAdminPort.status("training", 1, Double.NaN);
        Map<String, Double> before = parsePrometheus(send(authorized(get("/metrics"))).body());
        assertTrue(before.get("fedlora_last_accuracy").isNaN());
        assertEquals(0.0, before.get("fedlora_paused"));
    }

    @Test
    void shouldAnswer500WithTheReasonWhenThePortFails() throws Exception {
        port.failure = new IllegalStateException("coordinator did not answer within 5 s");

        HttpResponse<String> r = send(authorized(get("/api/rounds")));

        assertEquals(500, r.statusCode());
        assertEquals(
                "coordinator did not answer within 5 s",
                JSON.readTree(r.body()).get("error").asText());
    }

    @Test
    void shouldServeTheDashboardWithoutTheToken() throws Exception {
        HttpResponse<String> r = send(get("/"));

        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        String html = r.body();
        for (String id :
                List.of("accuracy-chart", "loss-chart", "worker-rows", "pause", "resume", "stop")) {
            assertTrue(html.contains("id=\"" + id + "\""), "dashboard lacks #" + id);
        }
        assertTrue(html.contains("sessionStorage"));
        assertTrue(html.contains("/api/status"));
        // Self-contained: no script, style sheet or font from anywhere else.
        assertFalse(html.contains("<script src"), "external script");
        assertFalse(html.contains("<link"), "external style sheet");
        assertFalse(html.contains("@import") || html.contains("url("), "external resource");
        assertTrue(r.headers().firstValue("Content-Security-Policy").orElse("").contains("'none'"));
        assertEquals(0, port.calls.get(), "the page itself holds no data");
    }

    /** Parses an exposition and checks its form; returns each sample's value by series. */
    private static Map<String, Double> parsePrometheus(String text) {
        Map<String, String> help = new HashMap<>();
        Map<String, String> types = new HashMap<>();
        Map<String, Double> samples = new HashMap<>();
        Set<String> seen = new HashSet<>();
        assertTrue(text.endsWith("\n"), "exposition must end with a line feed");
        for (String line : text.split("\n")) {
            if (line.startsWith("# HELP ")) {
                String[] parts = line.split(" ", 4);
                assertEquals(4, parts.length, line);
                assertTrue(help.put(parts[2], parts[3]) == null, "second HELP: " + line);
            } else if (line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ");
                assertEquals(4, parts.length, line);
                assertTrue(Set.of("counter", "gauge").contains(parts[3]), line);
                assertTrue(help.containsKey(parts[2]), "TYPE before HELP: " + line);
                types.put(parts[2], parts[3]);
            } else {
                Matcher m = SAMPLE.matcher(line);
                assertTrue(m.matches(), "not a sample line: " + line);
                String name = m.group(1);
                assertTrue(types.containsKey(name), "sample without HELP/TYPE: " + line);
                if ("counter".equals(types.get(name))) {
                    assertTrue(name.endsWith("_total"), "counter " + name);
                }
                double value = value(m.group(3));
                String series = name + (m.group(2) == null ? "" : m.group(2));
                assertTrue(seen.add(series), "duplicate series " + series);
                samples.put(series, value);
            }
        }
        for (String name : help.keySet()) {
            assertTrue(types.containsKey(name), "HELP without TYPE: " + name);
        }
        return samples;
    }

    private static double value(String s) {
        return switch (s) {
            case "NaN" -> Double.NaN;
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(s);
        };
    }

    private static void assertRefused(HttpResponse<String> r) throws IOException {
        assertEquals(401, r.statusCode(), r.body());
        assertTrue(
                r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"),
                r.headers().map().toString());
        assertTrue(JSON.readTree(r.body()).get("error").asText().contains("Bearer"), r.body());
    }

    private static Map<String, byte[]> unzip(byte[] zip) throws IOException {
        Map<String, byte[]> entries = new HashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                entries.put(e.getName(), in.readAllBytes());
            }
        }
        return entries;
    }

    private static HttpRequest.Builder get(String path) {
        return request(path).GET();
    }

    private static HttpRequest.Builder post(String path) {
        return request(path).POST(HttpRequest.BodyPublishers.noBody());
    }

    private static HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(20));
    }

    private static HttpRequest.Builder authorized(HttpRequest.Builder b) {
        return b.header("Authorization", "Bearer " + TOKEN);
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
