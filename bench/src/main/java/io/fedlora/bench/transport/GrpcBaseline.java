package io.fedlora.bench.transport;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The gRPC-Java baseline: one client-streaming call per payload, sent as 1 MiB messages with gRPC's
 * flow control (the client waits while the call is not ready), answered with the byte count.
 * Hand-written method descriptor and byte-array marshaller, no protoc.
 */
final class GrpcBaseline {
    static final int CHUNK = 1 << 20;

    /** HTTP/2 flow-control window: raised from gRPC's 1 MiB so the baseline is not starved. */
    private static final int FLOW_WINDOW = 16 << 20;

    private static final MethodDescriptor.Marshaller<byte[]> BYTES =
            new MethodDescriptor.Marshaller<>() {
                @Override
                public InputStream stream(byte[] value) {
                    return new ByteArrayInputStream(value);
                }

                @Override
                public byte[] parse(InputStream stream) {
                    try {
                        return stream.readAllBytes();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            };

    static final MethodDescriptor<byte[], byte[]> PUSH =
            MethodDescriptor.<byte[], byte[]>newBuilder()
                    .setType(MethodDescriptor.MethodType.CLIENT_STREAMING)
                    .setFullMethodName("fedlora.bench.Transfer/Push")
                    .setRequestMarshaller(BYTES)
                    .setResponseMarshaller(BYTES)
                    .build();

    private GrpcBaseline() {}

    /** Starts the receiving server on {@code port}; it answers each call with its byte count. */
    static Server startServer(int port) throws IOException {
        ServerServiceDefinition service =
                ServerServiceDefinition.builder("fedlora.bench.Transfer")
                        .addMethod(
                                PUSH, ServerCalls.asyncClientStreamingCall(CountingObserver::new))
                        .build();
        return NettyServerBuilder.forPort(port)
                .flowControlWindow(FLOW_WINDOW)
                .addService(service)
                .build()
                .start();
    }

    /** Counts the bytes of one call and answers with the count when the client completes. */
    private static final class CountingObserver implements StreamObserver<byte[]> {
        private final StreamObserver<byte[]> response;
        private long received;

        CountingObserver(StreamObserver<byte[]> response) {
            this.response = response;
        }

        @Override
        public void onNext(byte[] chunk) {
            received += chunk.length;
        }

        @Override
        public void onError(Throwable t) {
            // The client gave up; nothing to answer.
        }

        @Override
        public void onCompleted() {
            response.onNext(ByteBuffer.allocate(8).putLong(received).array());
            response.onCompleted();
        }
    }

    static ManagedChannel connect(int port) {
        return NettyChannelBuilder.forAddress("localhost", port)
                .usePlaintext()
                .flowControlWindow(FLOW_WINDOW)
                .build();
    }

    /** Streams {@code payload} in 1 MiB messages and waits for the server's count. */
    static void push(ManagedChannel channel, byte[] payload) throws Exception {
        CompletableFuture<Long> done = new CompletableFuture<>();
        StreamObserver<byte[]> response =
                new StreamObserver<>() {
                    @Override
                    public void onNext(byte[] v) {
                        done.complete(ByteBuffer.wrap(v).getLong());
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {}
                };
        ClientCallStreamObserver<byte[]> requests =
                (ClientCallStreamObserver<byte[]>)
                        ClientCalls.asyncClientStreamingCall(
                                channel.newCall(PUSH, CallOptions.DEFAULT), response);
        for (int off = 0; off < payload.length; off += CHUNK) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!requests.isReady()) {
                if (System.nanoTime() > deadline || done.isDone()) {
                    throw new IllegalStateException("gRPC stream stalled at byte " + off);
                }
                LockSupport.parkNanos(20_000);
            }
            requests.onNext(
                    Arrays.copyOfRange(payload, off, Math.min(payload.length, off + CHUNK)));
        }
        requests.onCompleted();
        long count = done.get(120, TimeUnit.SECONDS);
        if (count != payload.length) {
            throw new IllegalStateException(
                    "gRPC server counted " + count + " of " + payload.length);
        }
    }
}
