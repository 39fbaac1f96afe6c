package io.fedlora.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PartitionersTest {

    /**
     * {@code perClass} examples of each of {@code classes} classes, interleaved; feature = index.
     */
    private static ArrayDataset balanced(int classes, int perClass) {
        int n = classes * perClass;
        float[] features = new float[n];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            features[i] = i;
            labels[i] = i % classes;
        }
        return ArrayDataset.of(features, 1, labels, classes);
    }

    @Test
    void shouldSplitIidIntoNearEqualDisjointParts() {
        ArrayDataset data = balanced(10, 100);
        int[][] parts = Partitioners.iidIndices(data, 7, 3);
        for (int[] part : parts) {
            assertTrue(part.length == 142 || part.length == 143, "size " + part.length);
        }
        assertEveryIndexOnce(parts, 1000);
        assertArrayEquals(parts[4], Partitioners.iidIndices(data, 7, 3)[4]);
        List<Dataset> views = Partitioners.iid(data, 7, 3);
        assertEquals(parts[2][5], (int) views.get(2).batch(new int[] {5}).inputs().getFloat(0));
    }

    @Test
    void shouldBeNearUniformForLargeAlphaAndSkewedForSmallAlpha() {
        ArrayDataset data = balanced(10, 200);
        int[][] uniform = Partitioners.dirichletIndices(data, 5, 1000, 11);
        assertEveryIndexOnce(uniform, 2000);
        for (int[] part : uniform) {
            for (int count : histogram(data, part)) {
                // Expected 40 per class; Dir(1000) proportions have a standard deviation of ~0.006.
                assertEquals(40, count, 8);
            }
        }
        int[][] skewed = Partitioners.dirichletIndices(data, 5, 0.05, 11);
        assertEveryIndexOnce(skewed, 2000);
        assertTrue(meanTopClassShare(data, uniform) < 0.15);
        assertTrue(meanTopClassShare(data, skewed) > 0.5, "" + meanTopClassShare(data, skewed));
    }

    @Test
    void shouldLeaveNoClientEmpty() {
        ArrayDataset data = balanced(3, 10);
        int[][] parts = Partitioners.dirichletIndices(data, 20, 0.001, 5);
        assertEveryIndexOnce(parts, 30);
        for (int[] part : parts) {
            assertTrue(part.length > 0);
        }
    }

    @Test
    void shouldDealShardsOfSortedLabels() {
        ArrayDataset data = balanced(10, 100);
        int[][] parts = Partitioners.shardIndices(data, 10, 2, 9);
        assertEveryIndexOnce(parts, 1000);
        for (int[] part : parts) {
            assertEquals(100, part.length);
            int distinct = 0;
            for (int count : histogram(data, part)) {
                distinct += count > 0 ? 1 : 0;
                // Shards of 50 never straddle two classes of 100.
                assertTrue(count % 50 == 0, "count " + count);
            }
            assertTrue(distinct <= 2);
        }
    }

    @Test
    void shouldGroupByLabelForNaturalClients() {
        ArrayDataset data = ArrayDataset.of(new float[4], 1, new int[] {5, 2, 5, 7}, 8);
        int[][] parts = Partitioners.naturalIndices(data);
        assertEquals(3, parts.length);
        assertArrayEquals(new int[] {1}, parts[0]);
        assertArrayEquals(new int[] {0, 2}, parts[1]);
        assertArrayEquals(new int[] {3}, parts[2]);
    }

    @Test
    void shouldGiveEachClientItsDomain() {
        float[] pixels = new float[6 * 4];
        int[] labels = new int[6];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = i / 24f;
        }
        ArrayDataset images = ArrayDataset.images(pixels, 2, 2, labels, 1);
        List<Dataset> clients =
                Partitioners.featureDomains(
                        images, List.of(FeatureDomain.IDENTITY, FeatureDomain.INVERTED), 4);
        int[][] shares = Partitioners.iidIndices(images, 2, 4);
        for (int j = 0; j < 3; j++) {
            float[] original = images.features(shares[1][j]);
            float[] inverted = ((ArrayDataset) clients.get(1)).features(j);
            for (int p = 0; p < 4; p++) {
                assertEquals(1 - original[p], inverted[p], 1e-6f);
            }
            assertArrayEquals(
                    images.features(shares[0][j]), ((ArrayDataset) clients.get(0)).features(j), 0f);
        }
    }

    private static int[] histogram(Dataset data, int[] part) {
        int[] counts = new int[data.numClasses()];
        for (int i : part) {
            counts[data.label(i)]++;
        }
        return counts;
    }

    private static double meanTopClassShare(Dataset data, int[][] parts) {
        double sum = 0;
        for (int[] part : parts) {
            int max = 0;
            for (int count : histogram(data, part)) {
                max = Math.max(max, count);
            }
            sum += max / (double) part.length;
        }
        return sum / parts.length;
    }

    private static void assertEveryIndexOnce(int[][] parts, int n) {
        int[] seen = new int[n];
        for (int[] part : parts) {
            for (int i : part) {
                seen[i]++;
            }
        }
        for (int i = 0; i < n; i++) {
            assertEquals(1, seen[i], "index " + i);
        }
    }
}
