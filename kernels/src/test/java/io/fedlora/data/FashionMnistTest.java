package io.fedlora.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks the reader against the real files. Expected values were computed independently with
 * Python's {@code gzip} and {@code struct} modules from the Debian package's files.
 */
class FashionMnistTest {

    @BeforeAll
    static void requireTheDebianFiles() {
        Assumptions.assumeTrue(
                Files.isDirectory(FashionMnist.DEFAULT_DIRECTORY),
                "package dataset-fashion-mnist is not installed");
    }

    @Test
    void shouldReadTheTrainingSet() {
        long start = System.nanoTime();
        ArrayDataset train = FashionMnist.load(FashionMnist.Split.TRAIN);
        System.out.printf(
                "Fashion-MNIST train: 60000 images in %.0f ms%n",
                (System.nanoTime() - start) / 1e6);

        assertEquals(60_000, train.size());
        assertEquals(28, train.height());
        assertEquals(28, train.width());
        assertEquals(784, train.featureCount());
        assertEquals(10, train.numClasses());
        int[] first = new int[10];
        for (int i = 0; i < 10; i++) {
            first[i] = train.label(i);
        }
        assertArrayEquals(new int[] {9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, first);
        assertEquals(76_247, byteSum(train, 0, 1));
        assertEquals(84_598, byteSum(train, 1, 2));
        assertEquals(28_662, byteSum(train, 2, 3));
        assertEquals(5_688_570, byteSum(train, 0, 100));
        int[] histogram = new int[10];
        for (int label : train.labels()) {
            histogram[label]++;
        }
        assertArrayEquals(
                new int[] {6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000}, histogram);
        // Pixel (14, 14) of image 0.
        assertEquals(217 / 255f, train.features(0)[14 * 28 + 14], 0f);
    }

    @Test
    void shouldReadTheFirstTestImages() {
        ArrayDataset test =
                FashionMnist.load(FashionMnist.DEFAULT_DIRECTORY, FashionMnist.Split.TEST, 3);
        assertEquals(3, test.size());
        assertArrayEquals(new int[] {9, 2, 1}, test.labels());
        assertEquals(33_456, byteSum(test, 0, 1));
        assertEquals(100_994, byteSum(test, 1, 2));
        assertEquals(51_520, byteSum(test, 2, 3));
        // Row 10 of image 1, as hex bytes 0000000050ffedfaf0ff0000279d0000d75e147effedeffa00000000.
        int[] row = {
            0, 0, 0, 0, 0x50, 0xff, 0xed, 0xfa, 0xf0, 0xff, 0, 0, 0x27, 0x9d, 0, 0, 0xd7, 0x5e,
            0x14, 0x7e, 0xff, 0xed, 0xef, 0xfa, 0, 0, 0, 0
        };
        float[] image = test.features(1);
        for (int c = 0; c < 28; c++) {
            assertEquals(row[c], Math.round(image[10 * 28 + c] * 255), "column " + c);
        }
    }

    @Test
    void shouldBatchAsFloatRows() {
        ArrayDataset test =
                FashionMnist.load(FashionMnist.DEFAULT_DIRECTORY, FashionMnist.Split.TEST, 3);
        Batch batch = test.batch(new int[] {2, 0});
        assertArrayEquals(new long[] {2, 784}, batch.inputs().shape());
        assertEquals(org.nd4j.linalg.api.buffer.DataType.FLOAT, batch.inputs().dataType());
        assertArrayEquals(new int[] {1, 9}, batch.targets());
        assertEquals(51_520, Math.round(batch.inputs().getRow(0).sumNumber().doubleValue() * 255));
        assertEquals(33_456, Math.round(batch.inputs().getRow(1).sumNumber().doubleValue() * 255));
    }

    /** Sum of the raw bytes (0–255) of images {@code [from, to)}. */
    private static long byteSum(ArrayDataset data, int from, int to) {
        long sum = 0;
        for (int i = from; i < to; i++) {
            for (float p : data.features(i)) {
                sum += Math.round(p * 255);
            }
        }
        return sum;
    }
}
