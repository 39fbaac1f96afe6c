package io.fedlora.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class ArrayDatasetTest {

    private static ArrayDataset threeByTwo() {
        return ArrayDataset.of(new float[] {1, 2, 3, 4, 5, 6}, 2, new int[] {0, 2, 1}, 3);
    }

    @Test
    void shouldBatchRowsInTheOrderAsked() {
        Batch batch = threeByTwo().batch(new int[] {2, 0, 2});
        assertEquals(DataType.FLOAT, batch.inputs().dataType());
        assertArrayEquals(new long[] {3, 2}, batch.inputs().shape());
        assertArrayEquals(new float[] {5, 6, 1, 2, 5, 6}, batch.inputs().data().asFloat(), 0f);
        assertArrayEquals(new int[] {1, 0, 1}, batch.targets());
        assertEquals(3, batch.size());
    }

    @Test
    void shouldSelectCopiesAndSubsetViews() {
        ArrayDataset data = threeByTwo();
        ArrayDataset picked = data.select(new int[] {1, 2});
        assertArrayEquals(new float[] {3, 4, 5, 6}, picked.allFeatures(), 0f);
        assertArrayEquals(new int[] {2, 1}, picked.labels());
        Dataset view = data.subset(new int[] {2, 1});
        assertEquals(1, view.label(0));
        assertArrayEquals(
                new float[] {5, 6, 3, 4},
                view.batch(new int[] {0, 1}).inputs().data().asFloat(),
                0f);
    }

    @Test
    void shouldRejectInconsistentArrays() {
        IllegalArgumentException shape =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> ArrayDataset.of(new float[5], 2, new int[3], 3));
        assertEquals("features has 5 values but 3 labels × 2 features need 6.", shape.getMessage());
        IllegalArgumentException label =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> ArrayDataset.of(new float[2], 1, new int[] {0, 3}, 3));
        assertEquals("label 1 is 3, outside [0, 3).", label.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> threeByTwo().batch(new int[] {3}));
    }
}
