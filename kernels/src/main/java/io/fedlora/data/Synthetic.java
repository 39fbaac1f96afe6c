package io.fedlora.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Synthetic(α, β) after the FedProx paper (Li et al., 2020), changed so that client tasks differ by
 * low-rank shifts of one base task, the setting federated LoRA is meant for.
 *
 * <ul>
 *   <li>Base softmax-regression weights {@code W₀} ({@code classes × dimension}), entries N(0, 1).
 *   <li>Client {@code k}: {@code Wₖ = W₀ + α·UₖVₖᵀ} with {@code Uₖ} ({@code classes × r}) and
 *       {@code Vₖ} ({@code dimension × r}) entries N(0, 1/r), so that the shift's entries have
 *       variance α² whatever the rank {@code r}. α = 0 gives every client the base task.
 *   <li>Inputs {@code x ~ N(vₖ, Σ)} with {@code vₖ ~ N(Bₖ, 1)} per coordinate, {@code Bₖ ~ N(0, β)}
 *       (β is a variance, as in FedProx) and {@code Σ} diagonal, {@code Σⱼⱼ = j^−1.2} for {@code j
 *       = 1 … dimension}.
 *   <li>Label {@code argmax(Wₖ·x)}. There is no bias term.
 * </ul>
 *
 * Everything is drawn from the seed; client {@code k} draws from its own stream, so a client's data
 * does not depend on how many clients there are.
 */
public record Synthetic(double alpha, double beta, int classes, int dimension, int shiftRank) {

    /** FedProx's sizes: 10 classes, 60 features; here with rank-2 shifts. */
    public static Synthetic of(double alpha, double beta) {
        return new Synthetic(alpha, beta, 10, 60, 2);
    }

    public Synthetic {
        if (!(alpha >= 0) || !(beta >= 0) || Double.isInfinite(alpha) || Double.isInfinite(beta)) {
            throw new IllegalArgumentException(
                    "Synthetic alpha and beta must be finite and non-negative but are "
                            + alpha
                            + " and "
                            + beta
                            + ".");
        }
        if (classes < 2 || dimension < 1 || shiftRank < 1) {
            throw new IllegalArgumentException(
                    "Synthetic needs classes >= 2, dimension >= 1 and shiftRank >= 1 but has "
                            + classes
                            + ", "
                            + dimension
                            + " and "
                            + shiftRank
                            + ".");
        }
    }

    /** The generated federation: the base weights, each client's weights and its examples. */
    public record Clients(
            double[][] baseWeights, List<double[][]> weights, List<ArrayDataset> data) {}

    /** Generates one client per entry of {@code sizes} (examples per client). */
    public Clients generate(int[] sizes, long seed) {
        double[][] base = gaussianMatrix(classes, dimension, 1, new Random(mix(seed, -1)));
        List<double[][]> weights = new ArrayList<>(sizes.length);
        List<ArrayDataset> data = new ArrayList<>(sizes.length);
        for (int k = 0; k < sizes.length; k++) {
            if (sizes[k] <= 0) {
                throw new IllegalArgumentException(
                        "Client " + k + " must have a positive size but has " + sizes[k] + ".");
            }
            Random random = new Random(mix(seed, k));
            double[][] w = shifted(base, random);
            weights.add(w);
            data.add(examples(w, sizes[k], random));
        }
        return new Clients(base, weights, data);
    }

    /**
     * FedProx's unbalanced client sizes: {@code min + ⌊exp(N(μ, σ²))⌋} examples per client (FedProx
     * used μ = 4, σ = 2, min = 50).
     */
    public static int[] logNormalSizes(int clients, double mu, double sigma, int min, long seed) {
        Random random = new Random(mix(seed, -2));
        int[] sizes = new int[clients];
        for (int k = 0; k < clients; k++) {
            double draw = Math.exp(mu + sigma * random.nextGaussian());
            sizes[k] = (int) Math.min(Integer.MAX_VALUE / 2, min + Math.floor(draw));
        }
        return sizes;
    }

    /** The label {@code argmax(w·x)} (first index on ties). */
    public static int argmax(double[][] w, float[] x) {
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < w.length; c++) {
            double score = 0;
            for (int j = 0; j < x.length; j++) {
                score += w[c][j] * x[j];
            }
            if (score > bestScore) {
                bestScore = score;
                best = c;
            }
        }
        return best;
    }

    private double[][] shifted(double[][] base, Random random) {
        double scale = 1 / Math.sqrt(shiftRank);
        double[][] u = gaussianMatrix(classes, shiftRank, scale, random);
        double[][] v = gaussianMatrix(dimension, shiftRank, scale, random);
        double[][] w = new double[classes][dimension];
        for (int c = 0; c < classes; c++) {
            for (int j = 0; j < dimension; j++) {
                double uv = 0;
                for (int r = 0; r < shiftRank; r++) {
                    uv += u[c][r] * v[j][r];
                }
                w[c][j] = base[c][j] + alpha * uv;
            }
        }
        return w;
    }

    private ArrayDataset examples(double[][] w, int n, Random random) {
        double centre = Math.sqrt(beta) * random.nextGaussian();
        double[] mean = new double[dimension];
        double[] stddev = new double[dimension];
        for (int j = 0; j < dimension; j++) {
            mean[j] = centre + random.nextGaussian();
            stddev[j] = Math.pow(j + 1, -0.6); // Σⱼⱼ = j^−1.2
        }
        float[] x = new float[n * dimension];
        int[] labels = new int[n];
        float[] row = new float[dimension];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < dimension; j++) {
                row[j] = (float) (mean[j] + stddev[j] * random.nextGaussian());
            }
            System.arraycopy(row, 0, x, i * dimension, dimension);
            labels[i] = argmax(w, row);
        }
        return ArrayDataset.of(x, dimension, labels, classes);
    }

    private static double[][] gaussianMatrix(int rows, int cols, double stddev, Random random) {
        double[][] m = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                m[i][j] = stddev * random.nextGaussian();
            }
        }
        return m;
    }

    /** A per-stream seed: SplitMix64's finaliser over the seed and the stream number. */
    private static long mix(long seed, long stream) {
        long z = seed + 0x9E3779B97F4A7C15L * (stream + 2);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
