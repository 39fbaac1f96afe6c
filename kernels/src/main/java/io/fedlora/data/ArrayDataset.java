package io.fedlora.data;

import java.util.Arrays;
import java.util.Objects;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A labelled dataset held in one flat {@code float[]}: example {@code i} is the row {@code
 * features[i·featureCount .. (i+1)·featureCount)}. For images the row is the {@code height·width}
 * pixels in row-major order, scaled to {@code [0, 1]}; {@link #height()} and {@link #width()} are
 * then positive, otherwise both are 0. Labels are class indices in {@code [0, numClasses)}.
 *
 * <p>Immutable: the constructor copies nothing for speed, so callers hand over arrays they no
 * longer touch; every accessor that exposes data returns a copy.
 */
public final class ArrayDataset implements Dataset {

    private final float[] features;
    private final int featureCount;
    private final int[] labels;
    private final int numClasses;
    private final int height;
    private final int width;

    private ArrayDataset(
            float[] features,
            int featureCount,
            int[] labels,
            int numClasses,
            int height,
            int width) {
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(labels, "labels");
        if (featureCount <= 0) {
            throw new IllegalArgumentException(
                    "featureCount must be positive but is " + featureCount + ".");
        }
        if (numClasses <= 0) {
            throw new IllegalArgumentException(
                    "numClasses must be positive but is " + numClasses + ".");
        }
        if ((long) labels.length * featureCount != features.length) {
            throw new IllegalArgumentException(
                    "features has "
                            + features.length
                            + " values but "
                            + labels.length
                            + " labels × "
                            + featureCount
                            + " features need "
                            + (long) labels.length * featureCount
                            + ".");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException(
                        "label " + i + " is " + labels[i] + ", outside [0, " + numClasses + ").");
            }
        }
        this.features = features;
        this.featureCount = featureCount;
        this.labels = labels;
        this.numClasses = numClasses;
        this.height = height;
        this.width = width;
    }

    /**
     * A dataset of plain feature vectors.
     *
     * @param features {@code n·featureCount} values, row-major; taken over without copying
     * @param labels {@code n} labels in {@code [0, numClasses)}; taken over without copying
     */
    public static ArrayDataset of(
            float[] features, int featureCount, int[] labels, int numClasses) {
        return new ArrayDataset(features, featureCount, labels, numClasses, 0, 0);
    }

    /**
     * A dataset of {@code height × width} single-channel images.
     *
     * @param pixels {@code n·height·width} intensities in {@code [0, 1]}, row-major per image;
     *     taken over without copying
     * @param labels {@code n} labels in {@code [0, numClasses)}; taken over without copying
     */
    public static ArrayDataset images(
            float[] pixels, int height, int width, int[] labels, int numClasses) {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException(
                    "image size must be positive but is " + height + "×" + width + ".");
        }
        return new ArrayDataset(pixels, height * width, labels, numClasses, height, width);
    }

    @Override
    public int size() {
        return labels.length;
    }

    /** Values per example (pixels for images). */
    public int featureCount() {
        return featureCount;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    /** Image height in pixels, or 0 when the examples are not images. */
    public int height() {
        return height;
    }

    /** Image width in pixels, or 0 when the examples are not images. */
    public int width() {
        return width;
    }

    /** Whether the examples are images with known height and width. */
    public boolean isImage() {
        return height > 0;
    }

    @Override
    public int label(int i) {
        return labels[i];
    }

    /** A copy of example {@code i}'s features. */
    public float[] features(int i) {
        Objects.checkIndex(i, labels.length);
        return Arrays.copyOfRange(features, i * featureCount, (i + 1) * featureCount);
    }

    /** A copy of all features, {@code size()·featureCount()} values, row-major. */
    public float[] allFeatures() {
        return features.clone();
    }

    /** A copy of all labels. */
    public int[] labels() {
        return labels.clone();
    }

    @Override
    public Batch batch(int[] indices) {
        float[] rows = new float[indices.length * featureCount];
        int[] targets = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            int i = Objects.checkIndex(indices[k], labels.length);
            System.arraycopy(features, i * featureCount, rows, k * featureCount, featureCount);
            targets[k] = labels[i];
        }
        return new Batch(Nd4j.create(rows, new long[] {indices.length, featureCount}), targets);
    }

    /**
     * A new dataset holding copies of the examples at {@code indices}, in that order. Unlike {@link
     * #subset}, the result owns its data, so it can be transformed independently.
     */
    public ArrayDataset select(int[] indices) {
        float[] rows = new float[indices.length * featureCount];
        int[] picked = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            int i = Objects.checkIndex(indices[k], labels.length);
            System.arraycopy(features, i * featureCount, rows, k * featureCount, featureCount);
            picked[k] = labels[i];
        }
        return new ArrayDataset(rows, featureCount, picked, numClasses, height, width);
    }

    /**
     * The same labels with new features. Image transforms that change the shape (a rotation of a
     * non-square image) pass the new height and width; 0 for both means not images.
     */
    ArrayDataset withFeatures(float[] newFeatures, int newHeight, int newWidth) {
        int count = newHeight > 0 ? newHeight * newWidth : featureCount;
        return new ArrayDataset(newFeatures, count, labels, numClasses, newHeight, newWidth);
    }

    /** Direct read access for transforms in this package; never handed out. */
    float[] rawFeatures() {
        return features;
    }
}
