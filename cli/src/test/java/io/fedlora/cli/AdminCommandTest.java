package io.fedlora.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedlora.aggregation.EvaluateSummary;
import io.fedlora.coordinator.admin.AdminPort;
import io.fedlora.coordinator.admin.AdminServer;
import io.fedlora.coordinator.admin.ControlReply;
import io.fedlora.coordinator.admin.RunStatus;
import io.fedlora.coordinator.admin.WorkerStatus;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import io.fedlora.peft.PeftAdapterFiles;
import io.fedlora.peft.PeftWriteOptions;
import io.fedlora.simulation.Evaluation;
import io.fedlora.simulation.RoundRecord;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/** {@code fedlora admin …} against a real admin server over a port whose answers the test sets. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdminCommandTest {

    private static final String TOKEN = "cli-admin-token";

    private static ActorSystem<Void> system;
    private static AdminServer server;
    private static final ScriptedPort PORT = new ScriptedPort();

    @BeforeAll
    static void start() throws Exception {
        system = ActorSystem.create(Behaviors.empty(), "admin-cli-test");
        server =
                AdminServer.start(system, "127.0.0.1", 0, TOKEN, PORT)
                        .toCompletableFuture()
                        .get(20, TimeUnit.SECONDS);
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
    void reset() {
        PORT.adapter = Optional.empty();
        PORT.pauses.set(0);
        PORT.resumes.set(0);
        PORT.stops.set(0);
    }

    @Test
    void shouldPrintTheStatusAsAlignedKeyValueLines() {
        CliRun run = admin("status");

        assertEquals(0, run.code(), run.err());
        List<String> lines = run.out().lines().toList();
        assertEquals("round:            3/10", lines.get(0));
        assertTrue(lines.contains("state:            training"), run.out());
        assertTrue(lines.contains("workers:          2"), run.out());
        assertTrue(lines.contains("results:          1/2 in"), run.out());
        assertTrue(lines.contains("last accuracy:    81.25 %"), run.out());
        assertTrue(lines.contains("rejected updates: non-finite 3"), run.out());
        assertTrue(lines.contains("stop requested:   no"), run.out());
    }

    @Test
    void shouldPrintTheServersJsonAsIs() throws Exception {
        for (String view : List.of("status", "workers", "rounds")) {
            CliRun run = admin(view, "--json");

            assertEquals(0, run.code(), run.err());
            String direct = fetch("/api/" + view);
            ObjectMapper json = new ObjectMapper();
            // Same document (heartbeat ages move between the two calls; compare the rest).
            if (view.equals("workers")) {
                assertEquals(
                        json.readTree(direct).get(0).get("id"),
                        json.readTree(run.out()).get(0).get("id"));
            } else {
                assertEquals(direct.strip(), run.out().strip());
            }
        }
    }

    @Test
    void shouldPrintTheWorkersAsATable() {
        CliRun run = admin("workers");

        assertEquals(0, run.code(), run.err());
        List<String> lines = run.out().lines().toList();
        assertEquals(3, lines.size(), run.out());
        String header = lines.get(0);
        assertTrue(header.startsWith("ID"), header);
        String w1 = lines.stream().filter(l -> l.startsWith("w1 ")).findFirst().orElseThrow();
        String w22 = lines.stream().filter(l -> l.startsWith("w22")).findFirst().orElseThrow();
        // Left-aligned text columns start under their header; numbers end under theirs.
        assertEquals(header.indexOf("DEVICE"), w1.indexOf("cuda:0"));
        assertEquals(header.indexOf("DEVICE"), w22.indexOf(" cpu ") + 1);
        int examplesEnd = header.indexOf("EXAMPLES") + "EXAMPLES".length();
        assertEquals(examplesEnd, w1.indexOf("12000") + "12000".length());
        assertEquals(examplesEnd, w22.indexOf("800") + "800".length());
        assertTrue(w1.contains("16.0 GiB"), w1);
        assertTrue(w1.contains("training"), w1);
        assertTrue(w1.matches(".*\\s\\d+\\.\\d s\\s+7$"), w1);
    }

    @Test
    void shouldPrintTheRoundsAsATable() {
        CliRun run = admin("rounds");

        assertEquals(0, run.code(), run.err());
        List<String> lines = run.out().lines().toList();
        assertEquals(3, lines.size(), run.out());
        assertTrue(lines.get(0).trim().startsWith("ROUND"), lines.get(0));
        // Round 0 has no client loss; round 1 has everything.
        assertTrue(
                lines.get(1).matches("\\s*0\\s+0\\s+0/2\\s+0\\s+-\\s+2\\.3000\\s+10\\.00 %.*"),
                lines.get(1));
        assertTrue(
                lines.get(2)
                        .matches(
                                "\\s*1\\s+1\\s+2/2\\s+0\\s+0\\.8000\\s+0\\.6000\\s+81\\.25 %\\s+3\\.5"),
                lines.get(2));
    }

    @Test
    void shouldPauseResumeAndStopTheRun() {
        CliRun pause = admin("pause");
        assertEquals(0, pause.code(), pause.err());
        assertEquals(1, PORT.pauses.get());
        assertEquals("no new round starts until resume\nstate: paused\n", pause.out());

        CliRun again = admin("pause", "--json");
        assertEquals(2, PORT.pauses.get());
        assertTrue(again.out().contains("\"changed\":true"), again.out());

        assertEquals(0, admin("resume").code());
        assertEquals(1, PORT.resumes.get());
        CliRun stop = admin("stop");
        assertEquals(0, stop.code(), stop.err());
        assertEquals(1, PORT.stops.get());
        assertTrue(stop.out().startsWith("the run ends after round 3"), stop.out());
    }

    @Test
    void shouldExportTheAdapterAsAPeftDirectory(@TempDir Path tmp) throws Exception {
        Map<String, LoraPair> modules = new LinkedHashMap<>();
        modules.put(
                "blocks.0.attn.q",
                new LoraPair(
                        Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 4, 6),
                        Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 8, 4)));
        Adapter adapter = new Adapter(modules, 4, 8, List.of("q"), Map.of());
        Path served = tmp.resolve("served");
        PeftAdapterFiles.write(served, adapter, PeftWriteOptions.defaults());
        PORT.adapter = Optional.of(served);
        Path out = tmp.resolve("exported/adapter");

        CliRun run = admin("export", "--out", out.toString());

        assertEquals(0, run.code(), run.err());
        for (String f : List.of("adapter_model.safetensors", "adapter_config.json")) {
            assertArrayEquals(
                    Files.readAllBytes(served.resolve(f)), Files.readAllBytes(out.resolve(f)));
        }
        Adapter back = PeftAdapterFiles.read(out);
        assertEquals(4, back.rank());
        assertEquals(modules.get("blocks.0.attn.q").a(), back.modules().get("blocks.0.attn.q").a());
        assertTrue(run.out().startsWith("wrote the adapter (r=4, lora_alpha=8"), run.out());
        try (var listing = Files.list(out)) {
            assertEquals(2, listing.count(), "no partial files are left");
        }
    }

    @Test
    void shouldSaySoWhenNoAdapterExistsYet(@TempDir Path tmp) {
        CliRun run = admin("export", "--out", tmp.resolve("a").toString());

        assertEquals(1, run.code());
        assertEquals(
                "fedlora: the admin API answered 404 to GET /api/adapter: no adapter yet: no round"
                        + " has been checkpointed",
                run.err());
        assertFalse(Files.exists(tmp.resolve("a")), "nothing is written");
    }

    @Test
    void shouldReportARefusedTokenInOneLine() {
        for (String view : List.of("status", "stop")) {
            CliRun run = CliRun.of("admin", view, "--url", url(), "--token", "not-the-token");

            assertEquals(1, run.code());
            assertEquals("fedlora: the admin API refused the token (401)", run.err());
        }
        assertEquals(0, PORT.stops.get());
    }

    @Test
    void shouldReportThatNoCoordinatorAnswers() throws Exception {
        int free;
        try (ServerSocket s = new ServerSocket(0)) {
            free = s.getLocalPort();
        }
        String nobody = "http://127.0.0.1:" + free;

        CliRun run = CliRun.of("admin", "status", "--url", nobody, "--token", TOKEN);

        assertEquals(1, run.code());
        assertEquals("fedlora: no coordinator answers at " + nobody, run.err());
    }

    @Test
    void shouldRefuseAMissingTokenAndABadUrl() {
        CliRun noToken = CliRun.of("admin", "status", "--url", url(), "--token=");
        assertEquals(1, noToken.code());
        assertEquals(
                "fedlora: no admin token: pass --token or set FEDLORA_ADMIN_TOKEN", noToken.err());

        CliRun badUrl = CliRun.of("admin", "status", "--url", "ftp://x", "--token", TOKEN);
        assertEquals(1, badUrl.code());
        assertEquals("fedlora: --url must look like http://host:port, got 'ftp://x'", badUrl.err());
    }

    private static CliRun admin(String... args) {
        String[] all = new String[args.length + 5];
        all[0] = "admin";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--url";
        all[args.length + 2] = url();
        all[args.length + 3] = "--token";
        all[args.length + 4] = TOKEN;
        return CliRun.of(all);
    }

    private static String url() {
        return "http://127.0.0.1:" + server.port();
    }

    private static String fetch(String path) throws Exception {
        HttpRequest r =
                HttpRequest.newBuilder(URI.create(url() + path))
                        .header("Authorization", "Bearer " + TOKEN)
                        .build();
        return HttpClient.newHttpClient().send(r, HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Fixed answers about a run in round 3 of 10, with two workers and two rounds. */
    private static final class ScriptedPort implements AdminPort {
        volatile Optional<Path> adapter = Optional.empty();
        final AtomicInteger pauses = new AtomicInteger();
        final AtomicInteger resumes = new AtomicInteger();
        final AtomicInteger stops = new AtomicInteger();

        @Override
        public CompletionStage<RunStatus> status() {
            return CompletableFuture.completedFuture(
                    new RunStatus(
                            3,
                            "training",
                            2,
                            10,
                            2,
                            "fedit",
                            1,
                            2,
                            false,
                            Map.of("non-finite", 3L),
                            0.8125,
                            "/runs/cli"));
        }

        @Override
        public CompletionStage<List<WorkerStatus>> workers() {
            long now = System.currentTimeMillis();
            return CompletableFuture.completedFuture(
                    List.of(
                            new WorkerStatus(
                                    "w1",
                                    "gpu-host",
                                    "cuda:0",
                                    16L << 30,
                                    32,
                                    12_000,
                                    "training",
                                    now - 1_500,
                                    now - 90_000,
                                    7),
                            new WorkerStatus(
                                    "w22",
                                    "cpu-host-long-name",
                                    "cpu",
                                    4L << 30,
                                    8,
                                    800,
                                    "idle",
                                    now - 200,
                                    now - 80_000,
                                    7)));
        }

        @Override
        public CompletionStage<List<RoundRecord>> rounds() {
            return CompletableFuture.completedFuture(
                    List.of(
                            round(0, 0, Double.NaN, 2.3, 0.1, 1.0),
                            round(1, 2, 0.8, 0.6, 0.8125, 3.5)));
        }

        private static RoundRecord round(
                long round, int accepted, double clientLoss, double loss, double acc, double s) {
            List<String> ids = accepted == 0 ? List.of() : List.of("w1", "w22");
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("client_loss", clientLoss);
            return new RoundRecord(
                    round,
                    round,
                    2,
                    ids,
                    List.of(),
                    metrics,
                    "",
                    Optional.of(
                            new Evaluation(
                                    new EvaluateSummary(round, loss, Map.of("accuracy", acc), 2, 0),
                                    Map.of(),
                                    Map.of())),
                    s);
        }

        @Override
        public CompletionStage<ControlReply> pause() {
            pauses.incrementAndGet();
            return CompletableFuture.completedFuture(
                    new ControlReply(true, "paused", "no new round starts until resume"));
        }

        @Override
        public CompletionStage<ControlReply> resume() {
            resumes.incrementAndGet();
            return CompletableFuture.completedFuture(new ControlReply(true, "training", "resumed"));
        }

        @Override
        public CompletionStage<ControlReply> stopAfterRound() {
            stops.incrementAndGet();
            return CompletableFuture.completedFuture(
                    new ControlReply(true, "training", "the run ends after round 3"));
        }

        @Override
        public Optional<Path> currentAdapter() {
            return adapter;
        }
    }
}
