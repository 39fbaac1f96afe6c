package io.fedlora.transport.wire;

import io.fedlora.codec.TensorCodec;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import io.fedlora.transport.message.AdapterPayload;
import io.fedlora.transport.message.Message;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Seeded adapters and one instance of every message, shared by the transport tests. */
public final class Fixtures {
    private Fixtures() {}

    public static INDArray matrix(SplittableRandom rnd, int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextGaussian() * 0.05);
        }
        return Nd4j.create(v, new long[] {rows, cols});
    }

    /** An adapter with {@code modules} modules of rank {@code r} on {@code in → out} layers. */
    public static Adapter adapter(long seed, int modules, int r, int in, int out) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, LoraPair> pairs = new LinkedHashMap<>();
        for (int i = 0; i < modules; i++) {
            pairs.put(
                    "blocks." + i + ".attn.q",
                    new LoraPair(matrix(rnd, r, in), matrix(rnd, out, r)));
        }
        float[] bias = new float[10];
        for (int i = 0; i < bias.length; i++) {
            bias[i] = (float) rnd.nextGaussian();
        }
        return new Adapter(
                pairs,
                r,
                2.0 * r,
                List.of("q"),
                Map.of(
                        "head.bias",
                        Nd4j.create(bias, new long[] {10}),
                        "head.weight",
                        matrix(rnd, 10, 6)));
    }

    public static List<Message> everyMessage(TensorCodec codec) {
        Adapter adapter = adapter(7, 3, 4, 24, 16);
        AdapterPayload payload = new AdapterPayload(adapter, codec);
        return List.of(
                new Message.Join(Message.PROTOCOL_VERSION, "worker-1", "10.0.0.2"),
                new Message.JoinRefused("worker-9", "protocol 2 not spoken"),
                new Message.Leave("worker-1", "shutdown"),
                new Message.CapabilityAdvert(
                        "worker-1", "cuda:0", 8L << 30, 64, 12_345, "10.0.0.2:40125"),
                new Message.FitInstruction(
                        3, 2, 8, 50, 1e-3, 42, Map.of("mu", "0.01", "opt", "sgd")),
                new Message.EvaluateInstruction(3, 2, Map.of()),
                new Message.FitResult(3, "worker-1", 2, 640, Map.of("loss", 0.25), payload),
                new Message.EvaluateResult(
                        3, "worker-1", 2, 100, 0.5, Map.of("acc", 0.81, "f1", 0.7)),
                new Message.AdapterAnnouncement(4, 1 << 20, 0xCAFEBABE, "BF16"),
                new Message.GlobalAdapter(4, payload),
                new Message.Heartbeat("worker-1", 1_700_000_000_000L),
                new Message.ErrorReport("worker-1", "OOM", "out of memory", List.of("a", "b", "c")),
                new Message.JoinChallenge("worker-1", "9f86d081884c7d65"),
                new Message.JoinProof("worker-1", "0a1b2c3d"),
                new Message.JoinAccepted("worker-1", "10.0.0.1:40123"),
                new Message.RunFinished("all 5 rounds done"));
    }
}
