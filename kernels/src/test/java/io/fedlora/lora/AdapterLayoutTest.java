package io.fedlora.lora;

import static io.fedlora.lora.AdapterFixtures.SHAPES;
import static io.fedlora.lora.AdapterFixtures.denseProduct;
import static io.fedlora.lora.AdapterFixtures.frobeniusNorm;
import static io.fedlora.lora.AdapterFixtures.randomAdapter;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class AdapterLayoutTest {

    @Test
    void shouldPlaceAThenBPerModuleThenSavedModulesInCOrder() {
        Adapter x = randomAdapter(41, DataType.FLOAT, 2, 4, SHAPES);
        float[] flat = x.layout().flatten(x);

        // 3 modules of r·(in + out) floats, then 3 + 6 saved floats.
        assertEquals(2 * (7 + 5) + 2 * (4 + 6) + 2 * (3 + 3) + 3 + 6, flat.length);
        assertEquals(flat.length, x.layout().flatLength());
        // m0's A is 2×7: element (1, 3) sits at 1·7 + 3; m0's B (5×2) follows: (4, 1) at 14 + 9.
        assertEquals(x.module("m0").a().getFloat(1, 3), flat[10]);
        assertEquals(x.module("m0").b().getFloat(4, 1), flat[14 + 9]);
        // head.weight (3×2) closes the buffer: its last element is the last float.
        assertEquals(x.modulesToSave().get("head.weight").getFloat(2, 1), flat[flat.length - 1]);
    }

    @Test
    void shouldRoundTripExactlyThroughFloatsAndArrays() {
        Adapter x = randomAdapter(42, DataType.FLOAT, 3, 6, SHAPES);
        AdapterLayout layout = x.layout();

        Adapter fromFloats = layout.unflatten(layout.flatten(x));
        INDArray vector = layout.flattenToArray(x);
        Adapter fromArray = layout.unflatten(vector);

        assertEquals(1, vector.rank());
        for (Adapter back : List.of(fromFloats, fromArray)) {
            assertEquals(layout, back.layout());
            for (String name : x.modules().keySet()) {
                assertEquals(x.module(name).a(), back.module(name).a(), name);
                assertEquals(x.module(name).b(), back.module(name).b(), name);
            }
            assertEquals(x.modulesToSave(), back.modulesToSave());
            assertArrayEquals(layout.flatten(x), layout.flatten(back));
        }
    }

    @Test
    void shouldFlattenFortranOrderAndViewsInCOrder() {
        Adapter x = randomAdapter(46, DataType.FLOAT, 2, 4, SHAPES);
        java.util.Map<String, LoraPair> others = new java.util.LinkedHashMap<>();
        x.modules()
                .forEach(
                        (name, p) ->
                                others.put(
                                        name,
                                        new LoraPair(
                                                p.a().dup('f'),
                                                // a transposed view of a transposed copy: same
                                                // values
                                                p.b().transpose().dup().transpose())));
        Adapter y = new Adapter(others, 2, 4, x.targetModules(), x.modulesToSave());

        assertArrayEquals(x.layout().flatten(x), y.layout().flatten(y));
    }

    @Test
    void shouldRejectBuffersAndAdaptersOfAnotherLayout() {
        Adapter x = randomAdapter(43, DataType.FLOAT, 3, 6, SHAPES);
        AdapterLayout layout = x.layout();
        float[] flat = layout.flatten(x);

        IllegalArgumentException shortBuffer =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> layout.unflatten(java.util.Arrays.copyOf(flat, flat.length - 1)));
        assertEquals(
                "flat adapter has "
                        + (flat.length - 1)
                        + " floats but its layout needs "
                        + flat.length,
                shortBuffer.getMessage());
        Adapter other =
                randomAdapter(
                        44, DataType.FLOAT, 3, 6, new int[][] {SHAPES[0], SHAPES[2], SHAPES[1]});
        IllegalArgumentException swapped =
                assertThrows(IllegalArgumentException.class, () -> layout.flatten(other));
        assertEquals(
                "adapter layout mismatch: module m1 has shape out=3, in=3 where out=6, in=4 is"
                        + " expected",
                swapped.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> layout.unflatten(layout.flattenToArray(x).castTo(DataType.DOUBLE)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"DOUBLE", "FLOAT"})
    void shouldComputeModuleAndGlobalNorms(String typeName) {
        DataType type = DataType.valueOf(typeName);
        Adapter x = randomAdapter(45, type, 3, 12, SHAPES);
        double tol = type == DataType.DOUBLE ? 1e-10 : 1e-4;

        AdapterNorms norms = x.norms();

        for (String name : x.modules().keySet()) {
            LoraPair p = x.module(name);
            AdapterNorms.ModuleNorms m = norms.module(name);
            assertEquals(frobeniusNorm(AdapterFixtures.toDoubles(p.a())), m.a(), tol, name);
            assertEquals(frobeniusNorm(AdapterFixtures.toDoubles(p.b())), m.b(), tol, name);
            assertEquals(frobeniusNorm(denseProduct(x.scale(), p)), m.deltaW(), 10 * tol, name);
        }
        // The global norm is the L2 norm of the flat parameter vector.
        double sum = 0;
        for (float f : x.layout().flatten(x)) {
            sum += (double) f * f;
        }
        assertEquals(Math.sqrt(sum), norms.global(), type == DataType.DOUBLE ? 1e-5 : 1e-4);
    }
}
