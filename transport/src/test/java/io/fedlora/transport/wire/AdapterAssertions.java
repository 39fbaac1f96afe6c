package io.fedlora.transport.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.codec.TensorCodec;
import io.fedlora.lora.Adapter;
import io.fedlora.transport.message.AdapterPayload;
import io.fedlora.transport.message.Message;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Compares messages after a round trip: records field by field, tensors within codec bounds. */
public final class AdapterAssertions {
    private AdapterAssertions() {}

    public static void assertSameMessage(Message expected, Message actual) {
        assertEquals(expected.getClass(), actual.getClass());
        if (expected instanceof Message.FitResult e && actual instanceof Message.FitResult a) {
            assertEquals(e.round(), a.round());
            assertEquals(e.workerId(), a.workerId());
            assertEquals(e.baseVersion(), a.baseVersion());
            assertEquals(e.exampleCount(), a.exampleCount());
            assertEquals(e.metrics(), a.metrics());
            assertSamePayload(e.update(), a.update());
        } else if (expected instanceof Message.GlobalAdapter e
                && actual instanceof Message.GlobalAdapter a) {
            assertEquals(e.version(), a.version());
            assertSamePayload(e.adapter(), a.adapter());
        } else {
            assertEquals(expected, actual);
        }
    }

    public static void assertSamePayload(AdapterPayload expected, AdapterPayload actual) {
        assertEquals(expected.codec(), actual.codec());
        Adapter e = expected.adapter();
        Adapter a = actual.adapter();
        assertEquals(e.rank(), a.rank());
        assertEquals(e.alpha(), a.alpha());
        assertEquals(e.targetModules(), a.targetModules());
        assertEquals(new ArrayList<>(e.modules().keySet()), new ArrayList<>(a.modules().keySet()));
        assertEquals(
                new ArrayList<>(e.modulesToSave().keySet()),
                new ArrayList<>(a.modulesToSave().keySet()));
        for (String m : e.modules().keySet()) {
            assertTensor(expected.codec(), e.module(m).a(), a.module(m).a(), m + ".A");
            assertTensor(expected.codec(), e.module(m).b(), a.module(m).b(), m + ".B");
        }
        for (String m : e.modulesToSave().keySet()) {
            assertTensor(expected.codec(), e.modulesToSave().get(m), a.modulesToSave().get(m), m);
        }
    }

    /**
     * fp32 bit-exact; bf16 within 2^-8 relative; int8 within max|row|/254 absolute, with 1e-4
     * relative slack for the float rounding a re-encode in another JVM adds.
     */
    public static void assertTensor(TensorCodec codec, INDArray e, INDArray a, String what) {
        assertArrayEquals(e.shape(), a.shape(), what + " shape");
        INDArray e2 = e.castTo(DataType.FLOAT).reshape('c', e.rows(), e.length() / e.rows());
        float[] ev = e2.dup('c').data().asFloat();
        float[] av = a.reshape('c', e2.rows(), e2.columns()).dup('c').data().asFloat();
        int cols = (int) e2.columns();
        for (int r = 0; r < e2.rows(); r++) {
            double maxAbs = 0;
            for (int c = 0; c < cols; c++) {
                maxAbs = Math.max(maxAbs, Math.abs(ev[r * cols + c]));
            }
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                switch (codec) {
                    case FP32 ->
                            assertEquals(
                                    Float.floatToRawIntBits(ev[i]),
                                    Float.floatToRawIntBits(av[i]),
                                    what + "[" + i + "]");
                    case BF16 ->
                            assertTrue(
                                    Math.abs(av[i] - ev[i])
                                            <= Math.abs(ev[i]) * Math.scalb(1.0, -8),
                                    what + "[" + i + "] " + ev[i] + " vs " + av[i]);
                    case INT8 ->
                            assertTrue(
                                    Math.abs(av[i] - ev[i]) <= maxAbs / 254 * (1 + 1e-4),
                                    what + "[" + i + "] " + ev[i] + " vs " + av[i]);
                }
            }
        }
    }

    public static List<TensorCodec> codecs() {
        return List.of(TensorCodec.values());
    }
}
