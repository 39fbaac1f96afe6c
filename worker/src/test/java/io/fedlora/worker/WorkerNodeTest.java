package io.fedlora.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.fedlora.codec.TensorCodec;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import io.fedlora.simulation.FeatureDomainScenario;
import io.fedlora.simulation.OpThreads;
import io.fedlora.simulation.ScenarioConfig;
import io.fedlora.transport.aeron.AeronNode;
import io.fedlora.transport.aeron.DataStreams;
import io.fedlora.transport.aeron.DropCounters;
import io.fedlora.transport.aeron.TransferReceiver;
import io.fedlora.transport.aeron.TransferSender;
import io.fedlora.transport.aeron.TransportContext;
import io.fedlora.transport.control.ClusterSettings;
import io.fedlora.transport.control.ToCoordinator;
import io.fedlora.transport.control.ToWorker;
import io.fedlora.transport.message.AdapterPayload;
import io.fedlora.transport.message.Message;
import io.fedlora.transport.wire.MessageCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker process in this JVM against a coordinator played by the test: an {@link ActorTestKit}
 * cluster node with the coordinator role running {@link FakeCoordinator}, and an Aeron node that
 * sends global adapters and receives updates. Control envelopes cross Pekko remoting between the
 * two actor systems (and are serialized within the test's system too), so they go through the
 * control serializer; adapters cross Aeron over loopback UDP. Tiny model, small data.
 */
@Timeout(120)
class WorkerNodeTest {

    private static final String TOKEN = "worker-test-token";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir static Path dir;

    private static ActorTestKit kit;
    private static int coordinatorPort;
    private static ScenarioConfig scenarioConfig;
    private static FeatureDomainScenario scenario;
    private static TransportContext ctx;
    private static AeronNode aeron;
    private static MessageCodec codec;
    private static Subscription results;
    private static AgentRunner resultRunner;
    private static String resultEndpoint;
    private static final BlockingQueue<Message.FitResult> updates = new LinkedBlockingQueue<>();

    private TestProbe<ToCoordinator> probe;
    private ActorRef<ToCoordinator> coordinator;
    private WorkerNode node;
    private CompletableFuture<Integer> exit;
    private ExclusivePublication adapters;

    @BeforeAll
    static void start() {
        OpThreads.oneThreadPerOp(); // speed only
        Config scenarioHocon =
                ConfigFactory.parseString(
                                "fedlora.scenario { model = tiny, clients = 2, train-per-client ="
                                        + " 16, test-per-client = 10, pretrain-examples = 64,"
                                        + " pretrain-steps = 2, seed = 3 }")
                        .withValue(
                                "fedlora.scenario.cache-dir",
                                com.typesafe.config.ConfigValueFactory.fromAnyRef(
                                        dir.resolve("cache").toString()))
                        .withFallback(ConfigFactory.load());
        scenarioConfig = ScenarioConfig.fromConfig(scenarioHocon);
        scenario = scenarioConfig.prepare(line -> {});

        ClusterSettings cluster = ClusterSettings.fromConfig(clusterConfig(0, TOKEN));
        Config kitConfig =
                ConfigFactory.parseString(
                                "pekko.cluster.seed-nodes = []\n"
                                        + "pekko.actor.serialize-messages = on\n"
                                        + "pekko.actor.testkit.typed.system-shutdown-default ="
                                        + " 30s")
                        .withFallback(cluster.pekkoConfig("coordinator", ConfigFactory.load()));
        kit = ActorTestKit.create(cluster.systemName(), kitConfig);
        Cluster c = Cluster.get(kit.system());
        c.manager().tell(Join.create(c.selfMember().address()));
        coordinatorPort = (Integer) c.selfMember().address().port().get();

        ctx =
                new TransportContext()
                        .aeronDirectoryName(dir.resolve("coordinator-aeron").toString())
                        .termLength(4 << 20)
                        .socketBufferLength(1 << 20)
                        .maxMessageBytes(8 << 20)
                        .maxPendingBytes(32 << 20)
                        .sendTimeoutNs(Duration.ofSeconds(10).toNanos())
                        .conclude();
        aeron = AeronNode.launch(ctx);
        codec = new MessageCodec(ctx.maxMessageBytes());
        results = aeron.aeron().addSubscription(ctx.udpChannel("127.0.0.1:0"), DataStreams.RESULTS);
        String bound = awaitBound(results);
        resultEndpoint = "127.0.0.1:" + bound.substring(bound.lastIndexOf(':') + 1);
        TransferReceiver receiver =
                TransferReceiver.forMessages(
                        results,
                        codec,
                        new DropCounters(),
                        ctx,
                        (m, session) -> updates.add((Message.FitResult) m));
        resultRunner =
                new AgentRunner(
                        new BackoffIdleStrategy(), Throwable::printStackTrace, null, receiver);
        AgentRunner.startOnThread(resultRunner);
    }

    @AfterAll
    static void stop() {
        CloseHelper.closeAll(resultRunner, results, aeron);
        if (kit != null) {
            kit.shutdownTestKit();
        }
    }

    @AfterEach
    void stopWorker() throws Exception {
        if (node != null) {
            node.stop();
            exit.get(30, TimeUnit.SECONDS);
        }
        CloseHelper.quietClose(adapters);
        if (coordinator != null) {
            kit.stop(coordinator);
        }
        updates.clear();
    }

    private static Config clusterConfig(int port, String token) {
        return ConfigFactory.parseString(
                        "fedlora.cluster { host = \"127.0.0.1\", port = "
                                + port
                                + ", join-token = \""
                                + token
                                + "\" }")
                .withFallback(ConfigFactory.load());
    }

    /** Starts a worker with {@code token} against a fresh fake coordinator; returns its id. */
    private String startWorker(String id, String token) {
        probe = kit.createTestProbe();
        coordinator = kit.spawn(FakeCoordinator.create(TOKEN, resultEndpoint, probe.ref()));
        Config config =
                ConfigFactory.parseString(
                                "fedlora.cluster.seed-nodes = [\"127.0.0.1:"
                                        + coordinatorPort
                                        + "\"]\n"
                                        + "fedlora.worker { id = "
                                        + id
                                        + ", client = 1, heartbeat-interval = 200ms,"
                                        + " adapter-wait = 3s, reconnect-backoff = 500ms,"
                                        + " data-endpoint = \"127.0.0.1:0\" }\n"
                                        + "fedlora.transport { term-length = 4MiB,"
                                        + " socket-buffer = 1MiB, max-message = 8MiB,"
                                        + " max-pending = 32MiB }")
                        .withValue(
                                "fedlora.transport.aeron-dir",
                                com.typesafe.config.ConfigValueFactory.fromAnyRef(
                                        dir.resolve(id + "-aeron").toString()))
                        .withFallback(clusterConfig(0, token))
                        .resolve();
        WorkerSettings settings = WorkerSettings.fromConfig(config);
        LocalClient client =
                LocalClient.of(
                        scenarioConfig,
                        scenario,
                        settings.client(),
                        settings.maxRank(),
                        settings.evalBatchSize());
        node = new WorkerNode(config, settings, client);
        exit = CompletableFuture.supplyAsync(node::run, runnable -> new Thread(runnable).start());
        return id;
    }

    /** The next envelope carrying a {@code type}, skipping heartbeats. */
    private <T extends Message> ToCoordinator expect(Class<T> type) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
            ToCoordinator m = probe.receiveMessage(left);
            if (type.isInstance(m.message())) {
                return m;
            }
            if (!(m.message() instanceof Message.Heartbeat)) {
                throw new AssertionError("expected a " + type.getSimpleName() + ", got " + m);
            }
        }
    }

    /** Joins and returns the worker's advert envelope (its inbox and adapter endpoint). */
    private ToCoordinator joined(String id) {
        Message.Join join = (Message.Join) expect(Message.Join.class).message();
        assertEquals(Message.PROTOCOL_VERSION, join.protocolVersion());
        assertEquals(id, join.workerId());
        assertEquals("127.0.0.1", join.host());
        expect(Message.JoinProof.class);
        return expect(Message.CapabilityAdvert.class);
    }

    private void tell(ToCoordinator from, Message m) {
        from.replyTo().tell(new ToWorker(coordinator, m));
    }

    @Test
    void shouldJoinWithTheTokenAdvertiseARealEndpointBeatAndLeaveWhenTheRunFinishes()
            throws Exception {
        String id = startWorker("w-handshake", TOKEN);
        ToCoordinator advert = joined(id);
        Message.CapabilityAdvert a = (Message.CapabilityAdvert) advert.message();
        assertEquals(id, a.workerId());
        assertEquals("cpu", a.device());
        assertEquals(64, a.maxRank());
        assertEquals(16, a.exampleCount());
        assertTrue(a.memoryBytes() > 0);
        String endpoint = node.adapterEndpoint().get(5, TimeUnit.SECONDS);
        assertEquals(endpoint, a.adapterEndpoint());
        assertTrue(endpoint.startsWith("127.0.0.1:"), endpoint);
        assertNotEquals("0", endpoint.substring(endpoint.indexOf(':') + 1));

        long before = System.currentTimeMillis();
        for (int k = 0; k < 3; k++) {
            ToCoordinator beat = probe.receiveMessage(Duration.ofSeconds(5));
            Message.Heartbeat h = (Message.Heartbeat) beat.message();
            assertEquals(id, h.workerId());
            assertTrue(Math.abs(h.sentAtMillis() - System.currentTimeMillis()) < 5_000);
        }
        // Three beats 200 ms apart take at least two intervals.
        assertTrue(System.currentTimeMillis() - before >= 300);

        tell(advert, new Message.RunFinished("test over"));
        Message.Leave leave = (Message.Leave) expect(Message.Leave.class).message();
        assertEquals(id, leave.workerId());
        assertTrue(leave.reason().contains("test over"), leave.reason());
        assertEquals(0, exit.get(30, TimeUnit.SECONDS));
        node = null;
    }

    @Test
    void shouldJoinAgainWhenTheCoordinatorGoesAwayAndComesBack() throws Exception {
        String id = startWorker("w-rejoin", TOKEN);
        joined(id);
        kit.stop(coordinator);
        probe = kit.createTestProbe();
        coordinator = kit.spawn(FakeCoordinator.create(TOKEN, resultEndpoint, probe.ref()));

        ToCoordinator advert = joined(id);
        assertEquals(
                node.adapterEndpoint().get(5, TimeUnit.SECONDS),
                ((Message.CapabilityAdvert) advert.message()).adapterEndpoint());
        Message.Heartbeat beat = (Message.Heartbeat) probe.receiveMessage(WAIT).message();
        assertEquals(id, beat.workerId());
        tell(advert, new Message.RunFinished("done"));
        expect(Message.Leave.class);
        assertEquals(0, exit.get(30, TimeUnit.SECONDS));
        node = null;
    }

    @Test
    void shouldStartAFreshActorSystemAndJoinAgainWhenDowned() throws Exception {
        String id = startWorker("w-downed", TOKEN);
        ToCoordinator first = joined(id);
        // What the split brain resolver does to a worker cut off from the coordinator.
        Cluster.get(kit.system()).manager().tell(new Down(first.replyTo().path().address()));

        ToCoordinator again = joined(id);
        assertNotEquals(
                first.replyTo().path().address(),
                again.replyTo().path().address(),
                "a fresh actor system, on a fresh port");
        assertEquals(
                ((Message.CapabilityAdvert) first.message()).adapterEndpoint(),
                ((Message.CapabilityAdvert) again.message()).adapterEndpoint(),
                "the data plane lives on");
        tell(again, new Message.RunFinished("done"));
        expect(Message.Leave.class);
        assertEquals(0, exit.get(30, TimeUnit.SECONDS));
        node = null;
    }

    @Test
    void shouldExitWithStatus3WhenTheJoinTokenIsWrong() throws Exception {
        startWorker("w-wrong-token", "not-the-token");
        expect(Message.Join.class);
        expect(Message.JoinProof.class);
        assertEquals(WorkerActor.EXIT_REFUSED, exit.get(30, TimeUnit.SECONDS));
        node = null;
        assertTrue(
                probe.receiveSeveralMessages(0, Duration.ofMillis(300)).isEmpty(),
                "a refused worker neither advertises nor beats");
    }

    @Test
    void shouldTrainFromTheReceivedAdapterAndSendSeededUpdatesToTheResultEndpoint()
            throws Exception {
        String id = startWorker("w-fit", TOKEN);
        ToCoordinator advert = joined(id);
        String endpoint = ((Message.CapabilityAdvert) advert.message()).adapterEndpoint();
        Adapter start = scenarioConfig.initialAdapter(scenario);
        adapters =
                aeron.aeron()
                        .addExclusivePublication(ctx.udpChannel(endpoint), DataStreams.ADAPTERS);
        TransferSender sender = new TransferSender(adapters, codec, new BackoffIdleStrategy(), ctx);
        sender.send(new Message.GlobalAdapter(4, new AdapterPayload(start, TensorCodec.FP32)));

        Message.FitInstruction fit = new Message.FitInstruction(7, 4, 2, 3, 1e-2, 42, Map.of());
        tell(advert, fit);
        Message.FitResult first = updates.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(first, "no update arrived");
        assertEquals(7, first.round());
        assertEquals(id, first.workerId());
        assertEquals(4, first.baseVersion());
        assertEquals(16, first.exampleCount());
        assertEquals(TensorCodec.FP32, first.update().codec());
        double loss = first.metrics().get("loss");
        assertTrue(Double.isFinite(loss) && loss > 0, "loss " + loss);
        assertTrue(Double.isFinite(first.metrics().get("loss_first")));
        assertTrue(first.metrics().get("seconds") >= 0);
        Adapter trained = first.update().adapter();
        assertEquals(start.modules().keySet(), trained.modules().keySet());
        for (Map.Entry<String, LoraPair> e : trained.modules().entrySet()) {
            assertEquals(0.0, start.module(e.getKey()).b().norm2Number().doubleValue());
            assertTrue(e.getValue().b().norm2Number().doubleValue() > 0, e.getKey());
        }

        // The same instruction again gives the same adapter, bit for bit; one sent while it
        // trains is refused as busy.
        tell(advert, fit);
        tell(advert, new Message.FitInstruction(8, 4, 2, 3, 1e-2, 42, Map.of()));
        Message.ErrorReport busy =
                (Message.ErrorReport) expect(Message.ErrorReport.class).message();
        assertEquals("busy", busy.code());
        assertEquals(List.of("8"), busy.details());
        Message.FitResult second = updates.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(second, "no second update arrived");
        assertBitIdentical(trained, second.update().adapter());
        assertEquals(first.metrics().get("loss"), second.metrics().get("loss"));

        Message.EvaluateInstruction evaluate = new Message.EvaluateInstruction(7, 4, Map.of());
        tell(advert, evaluate);
        Message.EvaluateResult eval =
                (Message.EvaluateResult) expect(Message.EvaluateResult.class).message();
        assertEquals(7, eval.round());
        assertEquals(id, eval.workerId());
        assertEquals(4, eval.adapterVersion());
        assertEquals(10, eval.exampleCount());
        double accuracy = eval.metrics().get("accuracy");
        assertTrue(accuracy >= 0 && accuracy <= 1, "accuracy " + accuracy);
        assertTrue(Double.isFinite(eval.loss()) && eval.loss() > 0);

        // A version that never arrives fails the instruction after adapter-wait.
        tell(advert, new Message.FitInstruction(9, 5, 2, 3, 1e-2, 42, Map.of()));
        Message.ErrorReport missing =
                (Message.ErrorReport) expect(Message.ErrorReport.class).message();
        assertEquals("fit-failed", missing.code());
        assertTrue(missing.reason().contains("v5"), missing.reason());
        assertEquals(List.of("9"), missing.details());

        tell(advert, new Message.RunFinished("done"));
        expect(Message.Leave.class);
        assertEquals(0, exit.get(30, TimeUnit.SECONDS));
        node = null;
    }

    private static void assertBitIdentical(Adapter expected, Adapter actual) {
        assertEquals(expected.modules().keySet(), actual.modules().keySet());
        for (String m : expected.modules().keySet()) {
            assertArrayEquals(
                    expected.module(m).a().ravel().toFloatVector(),
                    actual.module(m).a().ravel().toFloatVector(),
                    m + " A");
            assertArrayEquals(
                    expected.module(m).b().ravel().toFloatVector(),
                    actual.module(m).b().ravel().toFloatVector(),
                    m + " B");
        }
        assertEquals(expected.modulesToSave().keySet(), actual.modulesToSave().keySet());
        expected.modulesToSave()
                .forEach(
                        (name, t) ->
                                assertArrayEquals(
                                        t.ravel().toFloatVector(),
                                        actual.modulesToSave().get(name).ravel().toFloatVector(),
                                        name));
    }

    private static String awaitBound(Subscription s) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (s.localSocketAddresses().isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("subscription did not bind");
            }
            Thread.onSpinWait();
        }
        return s.localSocketAddresses().get(0);
    }
}
