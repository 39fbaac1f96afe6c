package io.fedlora.model;

/**
 * Shape of a {@link VitClassifier} for square single-channel images.
 *
 * @param imageSide image height = width in pixels (28 for Fashion-MNIST)
 * @param patch side of a square patch in pixels; must divide {@code imageSide}
 * @param dim token width
 * @param heads attention heads; must divide {@code dim}
 * @param blocks transformer blocks
 * @param mlpRatio hidden width of the MLP as a multiple of {@code dim}
 * @param classes output classes
 */
public record VitConfig(
        int imageSide, int patch, int dim, int heads, int blocks, int mlpRatio, int classes) {

    public VitConfig {
        positive("imageSide", imageSide);
        positive("patch", patch);
        positive("dim", dim);
        positive("heads", heads);
        positive("blocks", blocks);
        positive("mlpRatio", mlpRatio);
        positive("classes", classes);
        if (imageSide % patch != 0) {
            throw new IllegalArgumentException(
                    "patch " + patch + " does not divide imageSide " + imageSide);
        }
        if (dim % heads != 0) {
            throw new IllegalArgumentException("heads " + heads + " does not divide dim " + dim);
        }
    }

    /**
     * Fashion-MNIST default: 7×7 patches (16 tokens), width 64, 4 heads, 2 blocks, MLP ×2, 10
     * classes: about 70 k parameters, small enough to pre-train on two cores in about a minute.
     */
    public static VitConfig defaults() {
        return new VitConfig(28, 7, 64, 4, 2, 2, 10);
    }

    /** Tokens per image, {@code (imageSide / patch)²}. */
    public int tokens() {
        int g = imageSide / patch;
        return g * g;
    }

    static void positive(String field, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(field + " must be positive, got " + v);
        }
    }
}
