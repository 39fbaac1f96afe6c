package io.fedlora.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Starts the nodes of a real cluster as separate JVMs ({@code fedlora coordinator} and {@code
 * fedlora worker}, with this JVM's class path and module flags), each logging to its own file under
 * {@code dir/logs}; kills them all on {@link #close()}.
 */
final class ClusterHarness implements AutoCloseable {

    /**
     * The cluster and the scenario every cluster test runs: three clients of the tiny
     * feature-domain model, seeded on {@code SEED_PORT}, with quick heartbeats; tests add the
     * coordinator's section.
     */
    static final String TINY_CLUSTER =
            """
            fedlora.cluster { seed-nodes = ["127.0.0.1:SEED_PORT"], join-token = "it-join-token" }
            fedlora.transport { term-length = 1MiB }
            fedlora.scenario {
              model = tiny, clients = 3, train-per-client = 48, test-per-client = 30
              pretrain-steps = 4, pretrain-examples = 64, cache-dir = "cache"
            }
            fedlora.worker { heartbeat-interval = 500ms, reconnect-backoff = 1s }
            """;

    final Path dir;
    final Path config;
    final int seedPort;
    private final Map<String, Process> processes = new LinkedHashMap<>();

    /**
     * @param hocon the run's config; {@code SEED_PORT} in it is replaced by a free port
     */
    ClusterHarness(Path dir, String hocon) throws IOException {
        this.dir = dir;
        this.seedPort = freePort();
        this.config = dir.resolve("cluster.conf");
        Files.createDirectories(dir.resolve("logs"));
        Files.writeString(config, hocon.replace("SEED_PORT", Integer.toString(seedPort)));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    Process coordinator(String name) throws IOException {
        return start(name, List.of("coordinator", "--config", config.toString()));
    }

    Process worker(String id, int client) throws IOException {
        return worker(id, client, config);
    }

    Process worker(String id, int client, Path configFile) throws IOException {
        return start(
                id,
                List.of(
                        "worker",
                        "--config",
                        configFile.toString(),
                        "--id",
                        id,
                        "--client",
                        Integer.toString(client)));
    }

    private Process start(String name, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-")) {
                cmd.add(arg);
            }
        }
        cmd.addAll(
                List.of(
                        "-Xmx768m",
                        "-XX:+UseSerialGC",
                        "-cp",
                        System.getProperty("java.class.path"),
                        Fedlora.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb =
                new ProcessBuilder(cmd)
                        .directory(dir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log(name).toFile()));
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        processes.put(name + "#" + processes.size(), p);
        return p;
    }

    Path log(String name) {
        return dir.resolve("logs").resolve(name + ".log");
    }

    String logText(String name) {
        try {
            return Files.exists(log(name))
                    ? Files.readString(log(name), StandardCharsets.UTF_8)
                    : "";
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Waits until {@code condition} holds, failing with {@code what} and the logs after {@code
     * limit}.
     */
    void await(String what, Duration limit, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what + "\n" + tails());
            }
            Thread.sleep(200);
        }
    }

    /** The last lines of every log, for failure messages. */
    String tails() {
        StringBuilder b = new StringBuilder();
        try (var files = Files.list(dir.resolve("logs"))) {
            for (Path p : files.sorted().toList()) {
                List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
                b.append("---- ").append(p.getFileName()).append('\n');
                lines.subList(Math.max(0, lines.size() - 25), lines.size())
                        .forEach(l -> b.append(l).append('\n'));
            }
        } catch (IOException e) {
            b.append("(logs unreadable: ").append(e).append(")");
        }
        return b.toString();
    }

    static int exitCode(Process p, Duration limit) throws InterruptedException {
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("process " + p.pid() + " did not exit within " + limit);
        }
        return p.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : processes.values()) {
            p.destroyForcibly();
        }
        for (Process p : processes.values()) {
            p.waitFor(20, TimeUnit.SECONDS);
        }
    }
}
