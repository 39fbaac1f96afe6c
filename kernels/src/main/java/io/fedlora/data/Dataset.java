package io.fedlora.data;

/**
 * A finite, indexable set of examples held in memory. Implementations are immutable, so one dataset
 * can back many client partitions without copying.
 */
public interface Dataset {

    /** Number of examples. */
    int size();

    /** Gathers the examples at {@code indices} (in that order) into one batch. */
    Batch batch(int[] indices);

    /** Number of distinct targets: classes for a classifier, vocabulary size for text. */
    int numClasses();

    /** The label of example {@code i} used by partitioners (class for images, topic for text). */
    int label(int i);

    /** A view of the examples at {@code indices}; no example data is copied. */
    default Dataset subset(int[] indices) {
        return new SubsetDataset(this, indices);
    }
}
