package io.fedlora.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reads a file written by the reference implementation (Python {@code safetensors} 0.8.0, {@code
 * safetensors.numpy.save_file}) with these tensors:
 *
 * <pre>
 * f32 = (np.arange(12, dtype=float32).reshape(3, 4) / 7).astype(float32)
 * f16 = np.array([1, -2, 65504, 2**-24, 0.1], dtype=float16)
 * f64 = np.array([[1/3, -1e300], [5, 6]], dtype=float64)
 * i64 = np.array([-2**63, 0, 2**63 - 1], dtype=int64)
 * i32 = np.array([-7, 2**31 - 1], dtype=int32)
 * metadata = {"format": "pt", "who": "python"}
 * </pre>
 */
class ReferenceWriterCompatibilityTest {

    private static Path fixture() throws URISyntaxException {
        return Path.of(
                ReferenceWriterCompatibilityTest.class
                        .getResource("written-by-python-safetensors-0.8.0.safetensors")
                        .toURI());
    }

    @Test
    void shouldReadEveryTensorTheReferenceWriterWrote() throws URISyntaxException {
        SafeTensorsFile f = SafeTensors.read(fixture());

        assertEquals(Map.of("format", "pt", "who", "python"), f.metadata());
        assertEquals(Set.of("f32", "f16", "f64", "i64", "i32"), f.tensors().keySet());

        INDArray f32 = f.tensors().get("f32");
        assertEquals(DataType.FLOAT, f32.dataType());
        assertArrayEquals(new long[] {3, 4}, f32.shape());
        float[] expected = new float[12];
        for (int i = 0; i < 12; i++) {
            expected[i] = i / 7f; // float32 division, correctly rounded like numpy's
        }
        assertArrayEquals(expected, f32.data().asFloat());

        INDArray f16 = f.tensors().get("f16");
        assertEquals(DataType.FLOAT, f16.dataType());
        // 0.1 is stored as the nearest binary16 value, 0.0999755859375 = 1638 / 2^14.
        assertArrayEquals(
                new float[] {1f, -2f, 65504f, 0x1p-24f, 1638 * 0x1p-14f}, f16.data().asFloat());

        INDArray f64 = f.tensors().get("f64");
        assertEquals(DataType.DOUBLE, f64.dataType());
        assertArrayEquals(new long[] {2, 2}, f64.shape());
        assertArrayEquals(new double[] {1.0 / 3, -1e300, 5, 6}, f64.data().asDouble());

        assertArrayEquals(
                new long[] {Long.MIN_VALUE, 0, Long.MAX_VALUE},
                f.tensors().get("i64").data().asLong());
        assertArrayEquals(new int[] {-7, Integer.MAX_VALUE}, f.tensors().get("i32").data().asInt());
    }
}
