package io.fedlora.worker;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.fedlora.aggregation.EvaluateResult;
import io.fedlora.aggregation.FitResult;
import io.fedlora.codec.TensorCodec;
import io.fedlora.lora.Adapter;
import io.fedlora.transport.aeron.DataStreams;
import io.fedlora.transport.aeron.TransferSender;
import io.fedlora.transport.aeron.TransportContext;
import io.fedlora.transport.message.AdapterPayload;
import io.fedlora.transport.message.Message;
import io.fedlora.transport.wire.MessageCodec;
import io.fedlora.transport.wire.WireOutput;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;

/**
 * The worker's one job thread: local training and evaluation run here, never on an actor's thread,
 * one job at a time, and a trained update is sent from here over Aeron to the coordinator's result
 * endpoint (the {@link TransferSender} is not thread-safe, so it lives on this thread alone). It
 * outlives actor systems: a worker that rejoins keeps its thread, model data and result
 * publication.
 */
final class JobRunner implements AutoCloseable {

    /** What a finished fit reports back to the actor: for the log line and nothing else. */
    record FitDone(
            long round,
            int steps,
            double lossFirst,
            double loss,
            long exampleCount,
            int bytes,
            double sendMillis) {}

    private final LocalClient client;
    private final String workerId;
    private final int batchSize;
    private final Aeron aeron;
    private final TransportContext ctx;
    private final MessageCodec codec;
    private final ExecutorService thread;

    // Touched on the job thread only.
    private WireOutput output;
    private String endpoint;
    private ExclusivePublication publication;
    private TransferSender sender;

    JobRunner(
            LocalClient client,
            String workerId,
            int batchSize,
            Aeron aeron,
            TransportContext ctx,
            MessageCodec codec) {
        this.client = client;
        this.workerId = workerId;
        this.batchSize = batchSize;
        this.aeron = aeron;
        this.ctx = ctx;
        this.codec = codec;
        this.thread =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t = new Thread(r, "fedlora-worker-jobs");
                            t.setDaemon(true);
                            return t;
                        });
    }

    /**
     * Sends later updates to {@code resultEndpoint} ({@code host:port}); the publication is
     * replaced only when the endpoint changes.
     */
    void resultEndpoint(String resultEndpoint) {
        thread.execute(
                () -> {
                    if (resultEndpoint.equals(endpoint)) {
                        return;
                    }
                    CloseHelper.quietClose(publication);
                    publication = null;
                    sender = null;
                    endpoint = null;
                    publication =
                            aeron.addExclusivePublication(
                                    ctx.udpChannel(resultEndpoint), DataStreams.RESULTS);
                    sender = new TransferSender(publication, codec, new BackoffIdleStrategy(), ctx);
                    endpoint = resultEndpoint;
                });
    }

    /**
     * Trains from {@code global} as instructed and sends the {@code FitResult} (the adapter in
     * FP32) to the result endpoint; completes with what happened, or exceptionally when training or
     * the transfer fails.
     */
    CompletableFuture<FitDone> fit(Message.FitInstruction instruction, Adapter global) {
        return CompletableFuture.supplyAsync(() -> runFit(instruction, global), thread);
    }

    /** Evaluates {@code global} on the held-out data. */
    CompletableFuture<EvaluateResult> evaluate(
            Message.EvaluateInstruction instruction, Adapter global) {
        return CompletableFuture.supplyAsync(() -> client.evaluate(instruction, global), thread);
    }

    private FitDone runFit(Message.FitInstruction instruction, Adapter global) {
        if (sender == null) {
            throw new IllegalStateException("no result endpoint: the worker has not joined");
        }
        FitResult trained = client.fit(instruction, global, batchSize);
        Message.FitResult result =
                new Message.FitResult(
                        instruction.round(),
                        workerId,
                        instruction.adapterVersion(),
                        trained.exampleCount(),
                        trained.metrics(),
                        new AdapterPayload(trained.adapter(), TensorCodec.FP32));
        if (output == null) {
            output = codec.newOutput();
        }
        long t0 = System.nanoTime();
        codec.encode(result, output);
        ByteBuffer frame = output.written();
        int bytes = frame.remaining();
        sender.sendFrame(frame);
        double sendMillis = (System.nanoTime() - t0) / 1e6;
        return new FitDone(
                instruction.round(),
                instruction.localSteps(),
                trained.metrics().getOrDefault("loss_first", Double.NaN),
                trained.metrics().getOrDefault("loss", Double.NaN),
                trained.exampleCount(),
                bytes,
                sendMillis);
    }

    /** Waits up to 10 s for the job under way, then closes the result publication. */
    @Override
    public void close() {
        thread.execute(() -> CloseHelper.quietClose(publication));
        thread.shutdown();
        try {
            if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
