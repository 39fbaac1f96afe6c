package io.fedlora.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shell scripts of cluster-config/, run by bash the way a person runs them, on what needs no
 * cluster: launch-hosts.sh's --dry-run plan, stop.sh on dummy processes, rounds-table.sh, and
 * launch-local.sh's refusal of bad arguments (before it builds or starts anything).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LaunchScriptsTest {

    private static final Path REPO = Path.of("").toAbsolutePath().getParent();
    private static final Path SCRIPTS = REPO.resolve("cluster-config");

    private final List<Process> dummies = new ArrayList<>();

    @AfterEach
    void killDummies() {
        dummies.forEach(Process::destroyForcibly);
    }

    private record Result(int code, String out, String err) {}

    private static Result run(Path workDir, String script, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPTS.resolve(script).toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("script", ".out");
        Path err = Files.createTempFile("script", ".err");
        try {
            Process p =
                    new ProcessBuilder(command)
                            .directory(workDir.toFile())
                            .redirectOutput(out.toFile())
                            .redirectError(err.toFile())
                            .start();
            assertTrue(p.waitFor(50, TimeUnit.SECONDS), script + " did not finish");
            return new Result(
                    p.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private Process sleeper() throws IOException {
        Process p = new ProcessBuilder("sleep", "300").start();
        dummies.add(p);
        return p;
    }

    @Test
    void shouldPlanTheSshCommandsOfADryRun(@TempDir Path dir) throws Exception {
        Path hosts = dir.resolve("hosts.txt");
        Files.writeString(
                hosts,
                "# the coordinator first\n"
                        + "coord.example.org\n"
                        + "\n"
                        + "gpu1.example.org 2\n"
                        + "ops@gpu2.example.org   # client id by position: 1\n");

        Result r = run(dir, "launch-hosts.sh", hosts.toString(), "--dry-run");

        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        String cd = "'cd '\\''" + REPO + "'\\'' && ";
        assertEquals(
                List.of(
                        "ssh -o BatchMode=yes coord.example.org " + cd + "./fedlora --version",
                        "ssh -o BatchMode=yes gpu1.example.org " + cd + "./fedlora --version",
                        "ssh -o BatchMode=yes ops@gpu2.example.org " + cd + "./fedlora --version",
                        "ssh -o BatchMode=yes coord.example.org " + cd + "mkdir -p",
                        "ssh -o BatchMode=yes coord.example.org " + cd + "cluster-config/await",
                        "ssh -o BatchMode=yes gpu1.example.org " + cd + "mkdir -p",
                        "ssh -o BatchMode=yes ops@gpu2.example.org " + cd + "mkdir -p"),
                lines.stream().map(l -> l.substring(0, prefixLength(l, cd))).toList(),
                r.out());
        assertTrue(lines.get(3).contains("FEDLORA_HOST='\\''coord.example.org'\\''"), lines.get(3));
        assertTrue(
                lines.get(3)
                        .contains(
                                "nohup ./fedlora coordinator --config '\\''"
                                        + "cluster-config/coordinator.conf'\\'' --run-dir '\\''runs/cluster"),
                lines.get(3));
        assertTrue(lines.get(5).contains("--id worker-0 --client 2 "), lines.get(5));
        assertTrue(lines.get(6).contains("FEDLORA_HOST='\\''gpu2.example.org'\\''"), lines.get(6));
        assertTrue(lines.get(6).contains("--id worker-1 --client 1 "), lines.get(6));
        assertTrue(lines.get(6).contains("--config '\\''cluster-config/worker.conf"), lines.get(6));
        assertTrue(lines.get(6).contains("runs/cluster/pids/worker-1.pid"), lines.get(6));
    }

    /** The length of {@code line}'s start: through the cd and the remote command's first word. */
    private static int prefixLength(String line, String cd) {
        int commandStart = line.indexOf(cd) + cd.length();
        String[] firstWords = {"./fedlora --version", "mkdir -p", "cluster-config/await"};
        for (String w : firstWords) {
            if (line.startsWith(w, commandStart)) {
                return commandStart + w.length();
            }
        }
        return line.length();
    }

    @Test
    void shouldRunTheDryRunCommandsAsValidShell(@TempDir Path dir) throws Exception {
        Path hosts = dir.resolve("hosts.txt");
        Files.writeString(hosts, "coord\nworker-host\n");
        Path runDir = dir.resolve("it's runs");

        Result r =
                run(
                        dir,
                        "launch-hosts.sh",
                        hosts.toString(),
                        "--dry-run",
                        "--run-dir",
                        runDir.toString());

        // The remote shell gets the one quoted argument after the host: it must unquote to the
        // command, with the awkward path intact.
        String line =
                r.out()
                        .lines()
                        .filter(l -> l.contains("worker --config"))
                        .findFirst()
                        .orElseThrow();
        String quoted = line.substring(line.indexOf(" 'cd ") + 1);
        Process echo =
                new ProcessBuilder("bash", "-c", "printf '%s' " + quoted)
                        .redirectErrorStream(true)
                        .start();
        String remote = new String(echo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, echo.waitFor());
        assertTrue(remote.startsWith("cd '" + REPO + "' && mkdir -p "), remote);
        assertTrue(
                remote.contains(
                        " >'"
                                + runDir.resolve("logs")
                                        .resolve("worker-0.log")
                                        .toString()
                                        .replace("'", "'\\''")
                                + "' 2>&1 & pid=$!;"),
                remote);
    }

    @Test
    void shouldRefuseAHostsFileWithoutWorkers(@TempDir Path dir) throws Exception {
        Path hosts = dir.resolve("hosts.txt");
        Files.writeString(hosts, "coord.example.org\n");

        Result r = run(dir, "launch-hosts.sh", hosts.toString(), "--dry-run");

        assertEquals(1, r.code());
        assertEquals("", r.out());
        assertTrue(r.err().contains("no worker host"), r.err());
    }

    @Test
    void shouldStopEveryProcessOfTheRunDirectoryAndForgetItsPids(@TempDir Path dir)
            throws Exception {
        Path pids = Files.createDirectories(dir.resolve("run").resolve("pids"));
        Process a = sleeper();
        Process b = sleeper();
        Files.writeString(pids.resolve("worker-0.pid"), a.pid() + "\n");
        Files.writeString(pids.resolve("worker-1.pid"), b.pid() + "\n");
        Files.writeString(pids.resolve("gone.pid"), "999999999\n");

        long start = System.nanoTime();
        Result r = run(dir, "stop.sh", "--run-dir", dir.resolve("run").toString());

        assertEquals(0, r.code(), r.err());
        assertTrue(a.waitFor(5, TimeUnit.SECONDS), "worker-0 still runs");
        assertTrue(b.waitFor(5, TimeUnit.SECONDS), "worker-1 still runs");
        assertEquals(143, a.exitValue(), "stopped by TERM");
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15), "no 20 s wait");
        try (var left = Files.list(pids)) {
            assertEquals(0, left.count());
        }
        assertTrue(r.out().contains("stopping worker-0 (pid " + a.pid() + ")"), r.out());

        Result again = run(dir, "stop.sh", "--run-dir", dir.resolve("run").toString());
        assertEquals(0, again.code(), again.err());
        assertEquals("", again.out());
    }

    @Test
    void shouldLeaveAloneAPidNowHeldByAnotherProcess(@TempDir Path dir) throws Exception {
        Path pids = Files.createDirectories(dir.resolve("run").resolve("pids"));
        Process stranger = sleeper();
        // The pid file recorded another start time: the pid was reused since.
        Files.writeString(
                pids.resolve("coordinator.pid"), stranger.pid() + "\nThu Jan  1 00:00:00 1970\n");

        Result r = run(dir, "stop.sh", "--run-dir", dir.resolve("run").toString());

        assertEquals(0, r.code(), r.err());
        assertTrue(stranger.isAlive(), "a process the run did not start was stopped");
        assertFalse(Files.exists(pids.resolve("coordinator.pid")));
    }

    @Test
    void shouldDoNothingForARunDirectoryWithoutPids(@TempDir Path dir) throws Exception {
        Result r = run(dir, "stop.sh", "--run-dir", dir.resolve("never-started").toString());

        assertEquals(0, r.code(), r.err());
        assertFalse(Files.exists(dir.resolve("never-started")));
    }

    @Test
    void shouldPrintTheAccuracyPerRound(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("rounds.csv");
        Files.writeString(
                csv,
                "round,version,instructed,accepted,failed,accuracy,loss,client_loss,seconds,note\n"
                        + "0,0,0,0,0,0.4123,1.52,,0.5,\n"
                        + "1,1,3,3,0,0.6374,1.1,0.9,7.25,\"slow, but fine\"\n"
                        + "2,2,3,2,1,,,0.8,6,\n");

        Result r = run(dir, "rounds-table.sh", csv.toString());

        assertEquals(0, r.code(), r.err());
        assertEquals(
                List.of(
                        "round accepted accuracy loss seconds",
                        "0 - 41.2% 1.5200 0.5",
                        "1 3/3 63.7% 1.1000 7.2",
                        "2 2/3 - - 6.0"),
                r.out().lines().map(l -> l.trim().replaceAll(" +", " ")).toList());
    }

    @Test
    void shouldRefuseABadWorkerCountBeforeStartingAnything(@TempDir Path dir) throws Exception {
        Result r = run(dir, "launch-local.sh", "three", "--run-dir", dir.resolve("run").toString());

        assertEquals(1, r.code());
        assertTrue(r.err().contains("positive integer"), r.err());
        assertFalse(Files.exists(dir.resolve("run")));
    }
}
