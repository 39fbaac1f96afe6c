package io.fedlora.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.fedlora.codec.TensorCodec;
import io.fedlora.coordinator.admin.RunStatus;
import io.fedlora.coordinator.run.RunDirectory;
import io.fedlora.coordinator.run.RunFixtures;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import io.fedlora.peft.PeftAdapterFiles;
import io.fedlora.simulation.RoundRecord;
import io.fedlora.transport.aeron.AeronNode;
import io.fedlora.transport.aeron.DataStreams;
import io.fedlora.transport.aeron.DropCounters;
import io.fedlora.transport.aeron.TransferReceiver;
import io.fedlora.transport.aeron.TransferSender;
import io.fedlora.transport.aeron.TransportContext;
import io.fedlora.transport.control.ControlKeys;
import io.fedlora.transport.control.JoinProofs;
import io.fedlora.transport.control.ToCoordinator;
import io.fedlora.transport.control.ToWorker;
import io.fedlora.transport.message.AdapterPayload;
import io.fedlora.transport.message.Message;
import io.fedlora.transport.wire.MessageCodec;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The coordinator's side of the protocol against two scripted workers in this JVM (control over
 * Pekko with serialization on, adapters and updates over Aeron on loopback): the join challenge
 * refuses a wrong token and admits the right one; a round instructs both; a non-finite update is
 * rejected with its reason and counted while the round goes on with the other; evaluations are
 * collected; the checkpointed global adapter is FedIT's average of what was accepted.
 */
class CoordinatorProtocolTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir Path dir;
    private CoordinatorNode node;
    private AeronNode aeron;
    private final List<AutoCloseable> closing = new java.util.ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        if (node != null) {
            node.close();
        }
        if (aeron != null) {
            aeron.close();
        }
    }

    /** A worker played by the test: a probe for control messages, an Aeron inbox for adapters. */
    private final class ScriptedWorker {
        final String id;
        final TestProbe<ToWorker> probe;
        final BlockingQueue<Message.GlobalAdapter> adapters = new LinkedBlockingQueue<>();
        final String endpoint;

        ScriptedWorker(String id) throws Exception {
            this.id = id;
            this.probe = TestProbe.create(node.system());
            int port = freePort();
            this.endpoint = "127.0.0.1:" + port;
            Subscription sub =
                    aeron.aeron().addSubscription(ctx().udpChannel(endpoint), DataStreams.ADAPTERS);
            TransferReceiver receiver =
                    TransferReceiver.forMessages(
                            sub,
                            new MessageCodec(1 << 24),
                            new DropCounters(),
                            ctx(),
                            (m, session) -> adapters.add((Message.GlobalAdapter) m));
            AgentRunner runner =
                    new AgentRunner(
                            new SleepingMillisIdleStrategy(1),
                            Throwable::printStackTrace,
                            null,
                            receiver);
            AgentRunner.startOnThread(runner);
            closing.add(runner);
        }

        Message expect() {
            return probe.expectMessageClass(ToWorker.class, WAIT).message();
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private TransportContext ctx() {
        return new TransportContext()
                .aeronDirectoryName(dir.resolve("aeron-test").toString())
                .termLength(1 << 20);
    }

    @Test
    void admitsByTokenRunsARoundRejectsANonFiniteUpdateAndCheckpointsTheAverage() throws Exception {
        int seed = freePort();
        Config config =
                ConfigFactory.parseString(
                                """
                fedlora.cluster { seed-nodes = ["127.0.0.1:%d"], join-token = "right" }
                fedlora.transport { term-length = 1MiB, aeron-dir = "%s" }
                fedlora.coordinator {
                  run-dir = "%s", rounds = 1, min-available = 2, min-fit = 2, eval-every = 1
                  strategy.name = fedit, worker-timeout = 60s, local-steps = 3
                  admin { port = 0, token = "admin" }
                }
                pekko.actor.serialize-messages = on
                """
                                        .formatted(
                                                seed,
                                                dir.resolve("aeron-coordinator"),
                                                dir.resolve("run")))
                        .withFallback(ConfigFactory.load())
                        .resolve();
        Adapter initial = RunFixtures.adapter(5, 2);
        node = CoordinatorNode.start(config, initial);
        aeron = AeronNode.launch(ctx());
        ActorRef<ToCoordinator> coordinator = findCoordinator();

        ScriptedWorker w1 = new ScriptedWorker("w1");
        ScriptedWorker w2 = new ScriptedWorker("w2");

        // A wrong token is refused; the token itself never travels.
        coordinator.tell(
                new ToCoordinator(
                        w1.probe.ref(), new Message.Join(Message.PROTOCOL_VERSION, "w1", "test")));
        Message.JoinChallenge challenge =
                assertInstanceOf(Message.JoinChallenge.class, w1.expect());
        coordinator.tell(
                new ToCoordinator(
                        w1.probe.ref(),
                        new Message.JoinProof(
                                "w1", JoinProofs.proof("wrong", challenge.nonce(), "w1"))));
        Message.JoinRefused refused = assertInstanceOf(Message.JoinRefused.class, w1.expect());
        assertEquals("join token does not match", refused.reason());

        String resultEndpoint = null;
        for (ScriptedWorker w : List.of(w1, w2)) {
            coordinator.tell(
                    new ToCoordinator(
                            w.probe.ref(),
                            new Message.Join(Message.PROTOCOL_VERSION, w.id, "test")));
            Message.JoinChallenge c = assertInstanceOf(Message.JoinChallenge.class, w.expect());
            coordinator.tell(
                    new ToCoordinator(
                            w.probe.ref(),
                            new Message.JoinProof(
                                    w.id, JoinProofs.proof("right", c.nonce(), w.id))));
            resultEndpoint =
                    assertInstanceOf(Message.JoinAccepted.class, w.expect()).resultEndpoint();
            coordinator.tell(
                    new ToCoordinator(
                            w.probe.ref(),
                            new Message.CapabilityAdvert(
                                    w.id, "cpu", 1L << 30, 8, w == w1 ? 30 : 10, w.endpoint)));
        }

        // Round 0: the initial model is evaluated first.
        for (ScriptedWorker w : List.of(w1, w2)) {
            Message.EvaluateInstruction e =
                    assertInstanceOf(Message.EvaluateInstruction.class, w.expect());
            assertEquals(0, e.round());
            assertEquals(0, w.adapters.poll(30, TimeUnit.SECONDS).version());
            coordinator.tell(
                    new ToCoordinator(
                            w.probe.ref(),
                            new Message.EvaluateResult(
                                    0, w.id, 0, 10, 2.0, Map.of("accuracy", 0.25))));
        }

        // Round 1: both instructed; w1 sends a good update, w2 one with a NaN.
        Publication toCoordinator =
                aeron.aeron()
                        .addExclusivePublication(
                                ctx().udpChannel(resultEndpoint), DataStreams.RESULTS);
        TransferSender sender =
                new TransferSender(
                        toCoordinator, new MessageCodec(1 << 24), new BackoffIdleStrategy(), ctx());
        Adapter good = shifted(initial, 0.5f);
        Adapter bad = shifted(initial, 0.25f);
        bad.modules().values().iterator().next().b().putScalar(0, Float.NaN);
        for (ScriptedWorker w : List.of(w1, w2)) {
            Message.FitInstruction fit = assertInstanceOf(Message.FitInstruction.class, w.expect());
            assertEquals(1, fit.round());
            assertEquals(0, fit.adapterVersion());
            assertEquals(3, fit.localSteps());
            sender.send(
                    new Message.FitResult(
                            1,
                            w.id,
                            0,
                            w == w1 ? 30 : 10,
                            Map.of("loss", 1.0),
                            new AdapterPayload(w == w1 ? good : bad, TensorCodec.FP32)));
        }

        // Evaluation after round 1, then the end of the run.
        for (ScriptedWorker w : List.of(w1, w2)) {
            Message.EvaluateInstruction e =
                    assertInstanceOf(Message.EvaluateInstruction.class, w.expect());
            assertEquals(1, e.round());
            assertEquals(1, w.adapters.poll(30, TimeUnit.SECONDS).version());
            coordinator.tell(
                    new ToCoordinator(
                            w.probe.ref(),
                            new Message.EvaluateResult(
                                    1,
                                    w.id,
                                    1,
                                    w == w1 ? 30 : 10,
                                    1.0,
                                    Map.of("accuracy", w == w1 ? 0.5 : 0.9))));
        }
        assertInstanceOf(Message.RunFinished.class, w1.expect());
        assertInstanceOf(Message.RunFinished.class, w2.expect());
        Coordinator.Outcome outcome = node.finished().get(30, TimeUnit.SECONDS);
        assertEquals(1, outcome.completedRounds());

        RunStatus status =
                AskPattern.ask(
                                node.coordinator(),
                                Coordinator.GetStatus::new,
                                WAIT,
                                node.system().scheduler())
                        .toCompletableFuture()
                        .get(30, TimeUnit.SECONDS);
        assertEquals("finished", status.state());
        assertEquals(1L, status.rejections().get("non_finite"));
        assertEquals(1L, status.rejections().get("join_refused"));

        RunDirectory run = RunDirectory.open(dir.resolve("run"));
        RoundRecord one = run.records().get(1);
        assertEquals(List.of("w1"), one.accepted());
        assertTrue(
                one.failures().get(0).reason().contains("non_finite"), one.failures().toString());
        // Example-weighted accuracy of the evaluation: (30·0.5 + 10·0.9) / 40.
        assertEquals(0.6, one.evaluation().orElseThrow().meanAccuracy(), 1e-12);
        // FedIT of one accepted update is that update.
        assertSame(good, PeftAdapterFiles.read(run.adapterDir()));
        toCoordinator.close();
    }

    private ActorRef<ToCoordinator> findCoordinator() {
        TestProbe<Receptionist.Listing> listings = TestProbe.create(node.system());
        return listings.awaitAssert(
                WAIT,
                () -> {
                    node.system()
                            .receptionist()
                            .tell(Receptionist.find(ControlKeys.COORDINATOR, listings.ref()));
                    var found =
                            listings.expectMessageClass(Receptionist.Listing.class)
                                    .getServiceInstances(ControlKeys.COORDINATOR);
                    assertTrue(!found.isEmpty(), "the coordinator registered");
                    return found.iterator().next();
                });
    }

    /** {@code adapter} with every B entry moved by {@code delta}. */
    private static Adapter shifted(Adapter adapter, float delta) {
        Map<String, LoraPair> modules = new LinkedHashMap<>();
        adapter.modules()
                .forEach(
                        (name, p) ->
                                modules.put(name, new LoraPair(p.a().dup(), p.b().add(delta))));
        return new Adapter(
                modules,
                adapter.rank(),
                adapter.alpha(),
                adapter.targetModules(),
                adapter.modulesToSave());
    }

    private static void assertSame(Adapter expected, Adapter actual) {
        for (Map.Entry<String, LoraPair> e : expected.modules().entrySet()) {
            assertEqualArrays(e.getValue().a(), actual.module(e.getKey()).a());
            assertEqualArrays(e.getValue().b(), actual.module(e.getKey()).b());
        }
    }

    private static void assertEqualArrays(INDArray expected, INDArray actual) {
        assertEquals(0.0, expected.sub(actual).normmaxNumber().doubleValue(), 1e-6);
    }
}
