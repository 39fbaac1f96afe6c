package io.fedlora.data;

import java.util.Random;

/**
 * Image domains that stand in for DomainNet's: each is a deterministic transformation of every
 * image of a dataset, so clients that share labels but see differently styled inputs (feature
 * non-IID) can be built from one image set. Labels are kept; pixels stay in {@code [0, 1]}.
 *
 * <p>Borders: the blur and the edge map read outside pixels by repeating the nearest border pixel,
 * so a constant image stays constant under the blur and has no edges.
 */
public enum FeatureDomain {
    /** The images as they are. */
    IDENTITY {
        @Override
        void transform(float[] in, float[] out, int h, int w, Random random) {
            System.arraycopy(in, 0, out, 0, in.length);
        }
    },
    /** Negative: {@code 1 − x}. */
    INVERTED {
        @Override
        void transform(float[] in, float[] out, int h, int w, Random random) {
            for (int i = 0; i < in.length; i++) {
                out[i] = 1f - in[i];
            }
        }
    },
    /**
     * Rotated 90° clockwise: output pixel {@code (r, c)} is input pixel {@code (h−1−c, r)}; an
     * {@code h × w} image becomes {@code w × h}.
     */
    ROTATED {
        @Override
        void transform(float[] in, float[] out, int h, int w, Random random) {
            for (int r = 0; r < w; r++) {
                for (int c = 0; c < h; c++) {
                    out[r * h + c] = in[(h - 1 - c) * w + r];
                }
            }
        }

        @Override
        boolean transposesShape() {
            return true;
        }
    },
    /** 3×3 box blur: each pixel becomes the mean of its 3×3 neighbourhood. */
    BLURRED {
        @Override
        void transform(float[] in, float[] out, int h, int w, Random random) {
            for (int r = 0; r < h; r++) {
                for (int c = 0; c < w; c++) {
                    float sum = 0;
                    for (int dr = -1; dr <= 1; dr++) {
                        for (int dc = -1; dc <= 1; dc++) {
                            sum += pixel(in, h, w, r + dr, c + dc);
                        }
                    }
                    out[r * w + c] = sum / 9f;
                }
            }
        }
    },
    /**
     * Additive Gaussian noise with standard deviation {@link #NOISE_STDDEV}, clipped to {@code [0,
     * 1]}; the noise is drawn from the seed, image by image in dataset order.
     */
    NOISY {
        @Override
        void transform(float[] in, float[] out, int h, int w, Random random) {
            for (int i = 0; i < in.length; i++) {
                float noisy = in[i] + (float) (NOISE_STDDEV * random.nextGaussian());
                out[i] = Math.min(1f, Math.max(0f, noisy));
            }
        }
    },
    /**
     * Sobel gradient magnitude {@code sqrt(gx² + gy²)}, divided by the image's largest magnitude so
     * that its strongest edge is 1 (an image without edges stays all 0).
     */
    EDGES {
        @Override
        void transform(float[] in, float[] out, int h, int w, Random random) {
            float max = 0;
            for (int r = 0; r < h; r++) {
                for (int c = 0; c < w; c++) {
                    float gx =
                            pixel(in, h, w, r - 1, c + 1)
                                    + 2 * pixel(in, h, w, r, c + 1)
                                    + pixel(in, h, w, r + 1, c + 1)
                                    - pixel(in, h, w, r - 1, c - 1)
                                    - 2 * pixel(in, h, w, r, c - 1)
                                    - pixel(in, h, w, r + 1, c - 1);
                    float gy =
                            pixel(in, h, w, r + 1, c - 1)
                                    + 2 * pixel(in, h, w, r + 1, c)
                                    + pixel(in, h, w, r + 1, c + 1)
                                    - pixel(in, h, w, r - 1, c - 1)
                                    - 2 * pixel(in, h, w, r - 1, c)
                                    - pixel(in, h, w, r - 1, c + 1);
                    float magnitude = (float) Math.sqrt(gx * gx + gy * gy);
                    out[r * w + c] = magnitude;
                    max = Math.max(max, magnitude);
                }
            }
            if (max > 0) {
                for (int i = 0; i < out.length; i++) {
                    out[i] /= max;
                }
            }
        }
    };

    /** Standard deviation of {@link #NOISY}'s additive noise, in pixel intensity units. */
    public static final double NOISE_STDDEV = 0.2;

    /**
     * The dataset with every image transformed. Only {@link #NOISY} uses the seed; the result is a
     * function of the images and the seed alone.
     *
     * @throws IllegalArgumentException if the dataset does not hold images
     */
    public ArrayDataset apply(ArrayDataset images, long seed) {
        if (!images.isImage()) {
            throw new IllegalArgumentException(
                    "Feature domain "
                            + name()
                            + " needs images but the dataset has no height/width.");
        }
        int h = images.height();
        int w = images.width();
        int pixels = h * w;
        float[] in = images.rawFeatures();
        float[] out = new float[in.length];
        float[] source = new float[pixels];
        float[] target = new float[pixels];
        Random random = new Random(seed);
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(in, i * pixels, source, 0, pixels);
            transform(source, target, h, w, random);
            System.arraycopy(target, 0, out, i * pixels, pixels);
        }
        return transposesShape() ? images.withFeatures(out, w, h) : images.withFeatures(out, h, w);
    }

    /** Transforms one {@code h × w} image {@code in} into {@code out} (same length). */
    abstract void transform(float[] in, float[] out, int h, int w, Random random);

    /** Whether the output image is {@code w × h} instead of {@code h × w}. */
    boolean transposesShape() {
        return false;
    }

    /** Pixel {@code (r, c)} with coordinates clamped to the image (border replication). */
    private static float pixel(float[] image, int h, int w, int r, int c) {
        int rr = Math.min(h - 1, Math.max(0, r));
        int cc = Math.min(w - 1, Math.max(0, c));
        return image[rr * w + cc];
    }
}
