package io.fedlora.nn;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Cuts single-channel square images {@code [b, side·side]} into non-overlapping {@code patch ×
 * patch} tiles (row-major over the tile grid, pixels row-major inside a tile) and projects each
 * flattened tile with the linear layer {@code <name>} ({@code patch² → dim}): output {@code
 * [b·tokens, dim]} with {@code tokens = (side/patch)²}. Input pixels have no gradient.
 */
public final class PatchEmbedding {

    private final LoraLinear proj;
    private final int side;
    private final int patch;

    public PatchEmbedding(String name, WeightSource source, int side, int patch, int dim) {
        if (patch <= 0 || side % patch != 0) {
            throw new IllegalArgumentException(
                    name + ": image side " + side + " is not divisible by patch " + patch);
        }
        this.proj = LoraLinear.create(name, source, patch * patch, dim, true);
        this.side = side;
        this.patch = patch;
    }

    public LoraLinear linear() {
        return proj;
    }

    public List<Parameter> parameters() {
        return proj.parameters();
    }

    /** Tokens per image. */
    public int tokens() {
        int g = side / patch;
        return g * g;
    }

    public INDArray forward(INDArray images, Pass pass) {
        if (images.rank() != 2 || images.columns() != (long) side * side) {
            throw new IllegalArgumentException(
                    "expected images [b, "
                            + side * side
                            + "], got "
                            + java.util.Arrays.toString(images.shape()));
        }
        int b = (int) images.rows();
        int g = side / patch;
        INDArray patches =
                images.reshape(b, g, patch, g, patch)
                        .permute(0, 1, 3, 2, 4)
                        .dup('c')
                        .reshape((long) b * g * g, (long) patch * patch);
        return proj.forward(patches, pass);
    }

    public void backward(INDArray dy) {
        proj.backward(dy);
    }
}
