package io.fedlora.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FeatureDomainTest {

    /** One 3×3 image; expected outputs were worked out with numpy ({@code np.pad(mode="edge")}). */
    private static final float[] SQUARE = {0f, .5f, 1f, .25f, .75f, 0f, 1f, 0f, .5f};

    /** Two 2×3 images, the second the first's negative. */
    private static final float[] WIDE = {0f, .5f, 1f, .25f, .75f, 0f, 1f, .5f, 0f, .75f, .25f, 1f};

    private static ArrayDataset square() {
        return ArrayDataset.images(SQUARE.clone(), 3, 3, new int[] {4}, 5);
    }

    private static ArrayDataset wide() {
        return ArrayDataset.images(WIDE.clone(), 2, 3, new int[] {1, 2}, 3);
    }

    @Test
    void shouldKeepIdentity() {
        ArrayDataset out = FeatureDomain.IDENTITY.apply(wide(), 1);
        assertArrayEquals(WIDE, out.allFeatures(), 0f);
        assertArrayEquals(new int[] {1, 2}, out.labels());
    }

    @Test
    void shouldInvert() {
        ArrayDataset out = FeatureDomain.INVERTED.apply(wide(), 1);
        assertArrayEquals(
                new float[] {1f, .5f, 0f, .75f, .25f, 1f, 0f, .5f, 1f, .25f, .75f, 0f},
                out.allFeatures(),
                1e-7f);
    }

    @Test
    void shouldRotateClockwiseAndSwapTheShape() {
        ArrayDataset out = FeatureDomain.ROTATED.apply(wide(), 1);
        assertEquals(3, out.height());
        assertEquals(2, out.width());
        // The top row (0, .5, 1) becomes the right column read downwards.
        assertArrayEquals(new float[] {.25f, 0f, .75f, .5f, 0f, 1f}, out.features(0), 0f);
        assertArrayEquals(new float[] {.75f, 1f, .25f, .5f, 1f, 0f}, out.features(1), 0f);
        assertArrayEquals(new int[] {1, 2}, out.labels());
        ArrayDataset fullTurn = square();
        for (int i = 0; i < 4; i++) {
            fullTurn = FeatureDomain.ROTATED.apply(fullTurn, 1);
        }
        assertArrayEquals(SQUARE, fullTurn.allFeatures(), 0f);
    }

    @Test
    void shouldBoxBlurWithReplicatedBorders() {
        ArrayDataset out = FeatureDomain.BLURRED.apply(square(), 1);
        float[] expected = {9, 16, 23, 15, 16, 17, 21, 16, 11};
        for (int i = 0; i < expected.length; i++) {
            expected[i] /= 36f;
        }
        assertArrayEquals(expected, out.allFeatures(), 1e-6f);
        float[] flat = new float[16];
        Arrays.fill(flat, .3f);
        ArrayDataset constant = ArrayDataset.images(flat, 4, 4, new int[] {0}, 1);
        assertArrayEquals(flat, FeatureDomain.BLURRED.apply(constant, 1).allFeatures(), 1e-6f);
    }

    @Test
    void shouldMapSobelMagnitudeScaledToTheStrongestEdge() {
        ArrayDataset out = FeatureDomain.EDGES.apply(square(), 1);
        // (gx, gy) per pixel; the largest magnitude is at (2, 0): sqrt(2.5² + 1.5²).
        double[][] gradients = {
            {2, 1}, {2.75, -.25}, {.75, -2.75},
            {.5, 2.5}, {0, -.5}, {-.5, -2},
            {-2.5, 1.5}, {-1.75, -.25}, {.75, .75}
        };
        double max = Math.hypot(2.5, 1.5);
        float[] expected = new float[9];
        for (int i = 0; i < 9; i++) {
            expected[i] = (float) (Math.hypot(gradients[i][0], gradients[i][1]) / max);
        }
        assertArrayEquals(expected, out.allFeatures(), 1e-6f);
        ArrayDataset flat = ArrayDataset.images(new float[9], 3, 3, new int[] {0}, 1);
        assertArrayEquals(new float[9], FeatureDomain.EDGES.apply(flat, 1).allFeatures(), 0f);
    }

    @Test
    void shouldAddSeededClippedGaussianNoise() {
        int pixels = 100 * 100;
        float[] grey = new float[pixels];
        Arrays.fill(grey, .5f);
        ArrayDataset image = ArrayDataset.images(grey, 100, 100, new int[] {0}, 1);
        float[] a = FeatureDomain.NOISY.apply(image, 7).allFeatures();
        float[] b = FeatureDomain.NOISY.apply(image, 7).allFeatures();
        float[] c = FeatureDomain.NOISY.apply(image, 8).allFeatures();
        assertArrayEquals(a, b, 0f);
        assertFalse(Arrays.equals(a, c));
        double sum = 0;
        double squares = 0;
        for (float p : a) {
            sum += p - .5;
            squares += (p - .5) * (p - .5);
        }
        // 10 000 draws: the mean's standard error is 0.002, the deviation's about 0.0014.
        assertEquals(0, sum / pixels, 0.01);
        assertEquals(FeatureDomain.NOISE_STDDEV, Math.sqrt(squares / pixels), 0.01);

        float[] white = new float[pixels];
        Arrays.fill(white, 1f);
        float[] clipped =
                FeatureDomain.NOISY
                        .apply(ArrayDataset.images(white, 100, 100, new int[] {0}, 1), 7)
                        .allFeatures();
        int belowOne = 0;
        for (float p : clipped) {
            assertEquals(.5f, p, .5f);
            belowOne += p < 1f ? 1 : 0;
        }
        // About half the noise is negative and survives the clip.
        assertEquals(.5, belowOne / (double) pixels, 0.03);
    }

    @Test
    void shouldRejectNonImages() {
        ArrayDataset vectors = ArrayDataset.of(new float[4], 2, new int[] {0, 0}, 1);
        assertThrows(IllegalArgumentException.class, () -> FeatureDomain.BLURRED.apply(vectors, 1));
    }
}
