package io.fedlora.bench.transport;

import io.aeron.Publication;
import io.aeron.Subscription;
import io.fedlora.codec.TensorCodec;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import io.fedlora.transport.aeron.AeronNode;
import io.fedlora.transport.aeron.DropCounters;
import io.fedlora.transport.aeron.TransferReceiver;
import io.fedlora.transport.aeron.TransferSender;
import io.fedlora.transport.aeron.TransportContext;
import io.fedlora.transport.message.AdapterPayload;
import io.fedlora.transport.message.Message;
import io.fedlora.transport.wire.MessageCodec;
import io.fedlora.transport.wire.PooledMessage;
import io.fedlora.transport.wire.TensorPool;
import io.fedlora.transport.wire.WireOutput;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code fedlora bench transport}: moves fp32 adapters of 16, 64 and 256 MiB from this process to a
 * second JVM on this host and prints GB/s (10⁹ bytes per second, payload bytes over the time from
 * the first byte sent to the receiver's acknowledgement) for Aeron UDP on loopback, Aeron IPC and a
 * gRPC-Java streaming baseline, plus Kryo encode/decode of the same adapter against a plain
 * direct-memory copy of the same bytes, all in the same run ({@link #NOTES} says what each Kryo row
 * times).
 *
 * <p>Usage: {@code TransportBench [--quick] [--json] [--codec-only] [--sizes 16,64,256] [--reps
 * N]}. {@code --quick} runs 16 MiB once each; {@code --codec-only} skips the transfers to the
 * second JVM. The table gives each row's GB/s also as a multiple of memcpy's at the same size. With
 * {@code --json} the only output on stdout is one JSON array of {@code {"transport", "payload_mib",
 * "gb_per_s"}}, the notes go to stderr. Run with the JVM flags of {@code fedlora.jvm.flags}; the
 * second JVM gets the same flags and class path.
 */
public final class TransportBench {

    private static final int DATA_STREAM = 2001;
    private static final int ACK_STREAM = 2002;
    private static final int DATA_PORT = 24_301;
    private static final int ACK_PORT = 24_302;
    private static final int GRPC_PORT = 24_303;
    private static final int MAX_BYTES = 512 << 20;

    /**
     * Rounds of the codec figures, untimed and then timed: at least this many and for at least
     * {@link #CODEC_PHASE_NS} each. A round or two leave the decode path interpreted or
     * half-compiled (a 16 MiB decode is only 64 tensor calls), which shows as a slow decode beside
     * a memcpy that needs no JIT; and a round is cheap, so the best of many is taken on a noisy
     * machine.
     */
    private static final int CODEC_MIN_ROUNDS = 3;

    private static final long CODEC_PHASE_NS = TimeUnit.SECONDS.toNanos(2);

    /** What the Kryo rows and their baseline time, printed with every run. */
    private static final String NOTES =
            """
            kryo-encode        MessageCodec.encode of the message into a reused WireOutput.
            kryo-decode        MessageCodec.decode(frame, pool): header checks, the Kryo read,
                               every tensor copied into arrays reused from a TensorPool held
                               across transfers (as a receiver of successive adapter versions
                               does), and closing the result, which gives the arrays back.
            kryo-decode-fresh  MessageCodec.decode(frame): the same into newly allocated ND4J
                               arrays, allocation and first-touch page faults included.
            memcpy             the frame's bytes copied into an existing direct buffer: the
                               baseline, which like kryo-decode writes into touched memory.
            All four run interleaved in one loop: untimed rounds (at least 3 and 2 s), then
            timed ones (at least --reps, 3 and 2 s), best round reported; a pooled decode is
            checked against the sent adapter, outside the timing.
            """;

    private record Result(String transport, int payloadMib, double gbPerS) {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--peer")) {
            Peer.run(args);
            return;
        }
        boolean json = false;
        boolean codecOnly = false;
        List<Integer> sizes = List.of(16, 64, 256);
        int reps = 3;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> {
                    sizes = List.of(16);
                    reps = 1;
                }
                case "--json" -> json = true;
                case "--codec-only" -> codecOnly = true;
                case "--sizes" -> sizes = parseSizes(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                default ->
                        throw new IllegalArgumentException(
                                "unknown option "
                                        + args[i]
                                        + " (use --quick, --json, --codec-only, --sizes, --reps)");
            }
        }
        List<Result> results = new ArrayList<>();
        Path work = Files.createTempDirectory("fedlora-bench-transport");
        MessageCodec codec = new MessageCodec(MAX_BYTES);
        for (int mib : sizes) {
            Message message = adapterMessage(mib);
            WireOutput out = codec.newOutput();
            codec.encode(message, out);
            ByteBuffer frame = out.written();
            results.addAll(codecFigures(codec, message, out, frame, mib, reps));
            if (codecOnly) {
                continue;
            }
            ByteBuffer direct = ByteBuffer.allocateDirect(frame.remaining());
            direct.put(frame.duplicate()).flip();
            results.add(aeron(work, "aeron-udp", direct, mib, reps));
            results.add(aeron(work, "aeron-ipc", direct, mib, reps));
            byte[] heap = new byte[frame.remaining()];
            frame.duplicate().get(heap);
            results.add(grpc(heap, mib, reps));
        }
        if (json) {
            System.out.println(json(results));
            System.err.print(NOTES);
        } else {
            printTable(results);
            System.out.print("\n" + NOTES);
        }
    }

    private static String json(List<Result> results) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < results.size(); i++) {
            Result r = results.get(i);
            sb.append(i == 0 ? "" : ",\n ")
                    .append(
                            String.format(
                                    Locale.ROOT,
                                    "{\"transport\": \"%s\", \"payload_mib\": %d, \"gb_per_s\": %.3f}",
                                    r.transport(),
                                    r.payloadMib(),
                                    r.gbPerS()));
        }
        return sb.append("]").toString();
    }

    /** GB/s and, beside it, the multiple of memcpy's GB/s at the same size. */
    private static void printTable(List<Result> results) {
        Map<Integer, Double> memcpy = new LinkedHashMap<>();
        for (Result r : results) {
            if (r.transport().equals("memcpy")) {
                memcpy.put(r.payloadMib(), r.gbPerS());
            }
        }
        System.out.printf("%-18s %6s %9s %9s%n", "transport", "MiB", "GB/s", "x memcpy");
        for (Result r : results) {
            System.out.printf(
                    Locale.ROOT,
                    "%-18s %6d %9.3f %9.2f%n",
                    r.transport(),
                    r.payloadMib(),
                    r.gbPerS(),
                    r.gbPerS() / memcpy.get(r.payloadMib()));
        }
    }

    private static List<Integer> parseSizes(String s) {
        List<Integer> out = new ArrayList<>();
        for (String p : s.split(",")) {
            out.add(Integer.parseInt(p.trim()));
        }
        return out;
    }

    /** An fp32 adapter of {@code mib} MiB: rank-16 modules on 4096×4096 layers, 512 KiB each. */
    static Message adapterMessage(int mib) {
        SplittableRandom rnd = new SplittableRandom(mib);
        Map<String, LoraPair> modules = new LinkedHashMap<>();
        int r = 16;
        int d = 4096;
        for (int i = 0; i < 2 * mib; i++) {
            modules.put("layers." + i + ".q", new LoraPair(random(rnd, r, d), random(rnd, d, r)));
        }
        Adapter adapter = new Adapter(modules, r, 32, List.of("q"), Map.of());
        return new Message.GlobalAdapter(1, new AdapterPayload(adapter, TensorCodec.FP32));
    }

    private static org.nd4j.linalg.api.ndarray.INDArray random(
            SplittableRandom rnd, int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian() * 0.02f;
        }
        return Nd4j.create(v, new long[] {rows, cols});
    }

    /**
     * Kryo against memcpy on the same frame, interleaved in one loop so all see the same machine
     * state; best of the timed rounds after the untimed ones ({@link #CODEC_MIN_ROUNDS}). See
     * {@link #NOTES} for what each times.
     */
    private static List<Result> codecFigures(
            MessageCodec codec,
            Message message,
            WireOutput out,
            ByteBuffer frame,
            int mib,
            int reps) {
        long bytes = frame.remaining();
        ByteBuffer src = ByteBuffer.allocateDirect((int) bytes);
        src.put(frame.duplicate()).flip();
        UnsafeBuffer from = new UnsafeBuffer(src);
        UnsafeBuffer to = new UnsafeBuffer(ByteBuffer.allocateDirect((int) bytes));
        // Held across transfers like a receiver's; the warm-up fills it.
        TensorPool pool = new TensorPool(bytes);
        double encode = 0;
        double decode = 0;
        double fresh = 0;
        double memcpy = 0;
        long warmupEnd = System.nanoTime() + CODEC_PHASE_NS;
        for (int i = 0; i < CODEC_MIN_ROUNDS || System.nanoTime() < warmupEnd; i++) {
            codecRound(codec, message, out, pool, from, to, (int) bytes);
        }
        long timedEnd = System.nanoTime() + CODEC_PHASE_NS;
        for (int i = 0; i < Math.max(reps, CODEC_MIN_ROUNDS) || System.nanoTime() < timedEnd; i++) {
            long[] t = codecRound(codec, message, out, pool, from, to, (int) bytes);
            encode = Math.max(encode, bytes / (double) (t[1] - t[0]));
            decode = Math.max(decode, bytes / (double) (t[2] - t[1]));
            fresh = Math.max(fresh, bytes / (double) (t[3] - t[2]));
            memcpy = Math.max(memcpy, bytes / (double) (t[4] - t[3]));
        }
        checkPooledDecode(codec, message, out.written(), pool);
        progress("codec " + mib + " MiB done");
        return List.of(
                new Result("kryo-encode", mib, encode),
                new Result("kryo-decode", mib, decode),
                new Result("kryo-decode-fresh", mib, fresh),
                new Result("memcpy", mib, memcpy));
    }

    /** One encode, pooled decode, fresh decode and memcpy; the five timestamps between them. */
    private static long[] codecRound(
            MessageCodec codec,
            Message message,
            WireOutput out,
            TensorPool pool,
            UnsafeBuffer from,
            UnsafeBuffer to,
            int bytes) {
        long t0 = System.nanoTime();
        codec.encode(message, out);
        long t1 = System.nanoTime();
        codec.decode(out.written(), pool).close();
        long t2 = System.nanoTime();
        codec.decode(out.written());
        long t3 = System.nanoTime();
        to.putBytes(0, from, 0, bytes);
        long t4 = System.nanoTime();
        return new long[] {t0, t1, t2, t3, t4};
    }

    /** A fast decode that decodes wrongly would be no figure: compare once, outside the timing. */
    private static void checkPooledDecode(
            MessageCodec codec, Message sent, ByteBuffer frame, TensorPool pool) {
        try (PooledMessage got = codec.decode(frame, pool)) {
            Adapter expected = ((Message.GlobalAdapter) sent).adapter().adapter();
            Adapter actual = ((Message.GlobalAdapter) got.message()).adapter().adapter();
            for (Map.Entry<String, LoraPair> e : expected.modules().entrySet()) {
                LoraPair back = actual.module(e.getKey());
                if (!e.getValue().a().equals(back.a()) || !e.getValue().b().equals(back.b())) {
                    throw new IllegalStateException("pooled decode differs at " + e.getKey());
                }
            }
        }
    }

    private static TransportContext context(String dir, boolean embedded) {
        return new TransportContext()
                .aeronDirectoryName(dir)
                .embeddedDriver(embedded)
                .maxMessageBytes(MAX_BYTES);
    }

    /**
     * Best of {@code reps} transfers (after one warm-up) to a peer JVM, acknowledged per transfer.
     */
    private static Result aeron(Path work, String kind, ByteBuffer frame, int mib, int reps)
            throws Exception {
        boolean ipc = kind.equals("aeron-ipc");
        String ownDir = work.resolve(kind + "-self").toString();
        TransportContext ctx = context(ownDir, true);
        Process peer = null;
        AeronNode node = AeronNode.launch(ctx);
        Publication pub = null;
        Subscription acks = null;
        try {
            // For IPC both processes must share one driver: the peer connects to ours.
            String peerDir = ipc ? ownDir : work.resolve(kind + "-peer").toString();
            String data = ipc ? ctx.ipcChannel() : ctx.udpChannel("localhost:" + DATA_PORT);
            String ack = ipc ? ctx.ipcChannel() : ctx.udpChannel("localhost:" + ACK_PORT);
            peer = startPeer("aeron", peerDir, String.valueOf(!ipc), data, ack);
            pub = node.aeron().addExclusivePublication(data, DATA_STREAM);
            acks = node.aeron().addSubscription(ack, ACK_STREAM);
            MessageCodec codec = new MessageCodec(MAX_BYTES);
            TransferSender sender = new TransferSender(pub, codec, new BackoffIdleStrategy(), ctx);
            AtomicLong acked = new AtomicLong();
            TransferReceiver ackReceiver =
                    new TransferReceiver(
                            acks,
                            (f, s) -> acked.incrementAndGet(),
                            new DropCounters(),
                            ctx,
                            codec.protocolVersion());
            Publication connected = pub;
            awaitTrue(
                    () -> {
                        ackReceiver.doWork();
                        return connected.isConnected();
                    });
            double best = 0;
            IdleStrategy idle = new BackoffIdleStrategy();
            for (int i = 0; i <= reps; i++) {
                long before = acked.get();
                long t0 = System.nanoTime();
                sender.sendFrame(frame.duplicate());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (acked.get() == before) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(kind + ": no acknowledgement within 120 s");
                    }
                    idle.idle(ackReceiver.doWork());
                }
                long t = System.nanoTime() - t0;
                if (i > 0) {
                    best = Math.max(best, frame.remaining() / (double) t);
                }
            }
            progress(kind + " " + mib + " MiB done");
            return new Result(kind, mib, best);
        } finally {
            stopPeer(peer);
            CloseHelper.closeAll(pub, acks, node);
        }
    }

    private static Result grpc(byte[] payload, int mib, int reps) throws Exception {
        Process peer = startPeer("grpc", String.valueOf(GRPC_PORT));
        ManagedChannel channel = GrpcBaseline.connect(GRPC_PORT);
        try {
            double best = 0;
            for (int i = 0; i <= reps; i++) {
                long t0 = System.nanoTime();
                GrpcBaseline.push(channel, payload);
                long t = System.nanoTime() - t0;
                if (i > 0) {
                    best = Math.max(best, payload.length / (double) t);
                }
            }
            progress("grpc " + mib + " MiB done");
            return new Result("grpc", mib, best);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            stopPeer(peer);
        }
    }

    /** Progress goes to stderr, so stdout stays the table or the JSON array. */
    private static void progress(String line) {
        System.err.println(line);
    }

    private static void awaitTrue(java.util.function.BooleanSupplier c) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        IdleStrategy idle = new BackoffIdleStrategy();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("peer did not connect within 30 s");
            }
            idle.idle();
        }
    }

    /** Starts this class as a peer JVM with our flags and class path; waits for its "ready". */
    private static Process startPeer(String... peerArgs) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-") || arg.startsWith("-Xmx")) {
                cmd.add(arg);
            }
        }
        cmd.addAll(
                List.of(
                        "-cp",
                        System.getProperty("java.class.path"),
                        TransportBench.class.getName(),
                        "--peer"));
        cmd.addAll(List.of(peerArgs));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        // Logging may share the peer's stdout: skip lines until the peer says it is ready.
        BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.equals("ready")) {
            // not ours
        }
        if (line == null) {
            p.destroyForcibly();
            throw new IllegalStateException("bench peer exited before it was ready: " + cmd);
        }
        Thread drain =
                new Thread(
                        () -> {
                            try {
                                out.transferTo(java.io.Writer.nullWriter());
                            } catch (java.io.IOException ignored) {
                                // the peer is gone
                            }
                        });
        drain.setDaemon(true);
        drain.start();
        return p;
    }

    private static void stopPeer(Process p) throws Exception {
        if (p != null) {
            p.getOutputStream().close();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /** The receiving side, run in the second JVM until its stdin closes. */
    private static final class Peer {
        static void run(String[] args) throws Exception {
            if (args[1].equals("grpc")) {
                Server server = GrpcBaseline.startServer(Integer.parseInt(args[2]));
                ready();
                while (System.in.read() >= 0) {
                    // wait for the parent to close stdin
                }
                server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                return;
            }
            TransportContext ctx = context(args[2], Boolean.parseBoolean(args[3]));
            try (AeronNode node = AeronNode.launch(ctx);
                    Subscription sub = node.aeron().addSubscription(args[4], DATA_STREAM);
                    Publication ackPub =
                            node.aeron().addExclusivePublication(args[5], ACK_STREAM)) {
                MessageCodec codec = new MessageCodec(MAX_BYTES);
                TransferSender acker =
                        new TransferSender(ackPub, codec, new BackoffIdleStrategy(), ctx);
                ByteBuffer ack = ByteBuffer.allocateDirect(8);
                TransferReceiver receiver =
                        new TransferReceiver(
                                sub,
                                (frame, session) ->
                                        acker.sendFrame(
                                                ack.duplicate().putLong(0, frame.remaining())),
                                new DropCounters(),
                                ctx,
                                codec.protocolVersion());
                ready();
                IdleStrategy idle = new BackoffIdleStrategy();
                while (System.in.available() == 0) {
                    idle.idle(receiver.doWork());
                }
            }
        }

        private static void ready() {
            System.out.println("ready");
            System.out.flush();
        }
    }
}
