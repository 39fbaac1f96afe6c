package io.fedlora.transport.aeron;

import static io.fedlora.transport.wire.AdapterAssertions.assertSameMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fedlora.codec.TensorCodec;
import io.fedlora.transport.message.Message;
import io.fedlora.transport.wire.Fixtures;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every message in every codec goes to a second JVM over UDP loopback and comes back. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TwoProcessTest {
    private static final int OWN_PORT = 24_201;
    private static final int PEER_PORT = 24_202;

    @TempDir Path dir;
    private Process peer;
    private Loopback loop;

    @AfterEach
    void close() throws Exception {
        if (loop != null) {
            loop.close();
        }
        if (peer != null) {
            peer.getOutputStream().close();
            if (!peer.waitFor(10, TimeUnit.SECONDS)) {
                peer.destroyForcibly();
            }
        }
    }

    @Test
    void shouldRoundTripEveryMessageThroughAnotherJvm() throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The child needs the same module flags Aeron needs in this JVM.
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-")) {
                cmd.add(arg);
            }
        }
        cmd.addAll(
                List.of(
                        "-Xmx512m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        EchoPeer.class.getName(),
                        dir.resolve("peer-aeron").toString(),
                        "localhost:" + PEER_PORT,
                        "localhost:" + OWN_PORT));
        peer = new ProcessBuilder(cmd).redirectError(dir.resolve("peer.err").toFile()).start();
        BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(peer.getInputStream(), StandardCharsets.UTF_8));
        assertEquals(
                "ready",
                out.readLine(),
                "peer start; see " + dir.resolve("peer.err") + File.separator);

        loop = new Loopback(dir, false, OWN_PORT, "localhost:" + PEER_PORT);
        TransferSender sender = loop.sender();
        List<Message> sent = new ArrayList<>();
        for (TensorCodec codec : TensorCodec.values()) {
            sent.addAll(Fixtures.everyMessage(codec));
        }
        for (Message m : sent) {
            sender.send(m);
        }
        Loopback.await(() -> loop.received.size() == sent.size(), "echoes from the peer");
        List<Message> got = new ArrayList<>(loop.received);
        for (int i = 0; i < sent.size(); i++) {
            assertSameMessage(sent.get(i), got.get(i));
        }
        assertEquals(0, loop.drops.total());
    }
}
