package io.fedlora.data;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One mini-batch. {@code inputs} has one row per example: {@code [b, height·width]} pixel
 * intensities in {@code [0, 1]} for images, {@code [b, seq]} token ids (stored as floats) for text.
 * {@code targets} holds the integer targets flattened in row-major order: {@code b} class labels
 * for images, {@code b·seq} next-token ids for text.
 */
public record Batch(INDArray inputs, int[] targets) {

    /** Examples in the batch (rows of {@code inputs}). */
    public int size() {
        return (int) inputs.rows();
    }
}
