package io.fedlora.model;

/**
 * Shape of a {@link CharDecoder}.
 *
 * @param vocab number of distinct characters (token ids are {@code 0..vocab-1})
 * @param maxSeq longest input sequence (size of the positional table)
 * @param dim token width
 * @param heads attention heads; must divide {@code dim}
 * @param blocks transformer blocks
 * @param mlpRatio hidden width of the MLP as a multiple of {@code dim}
 */
public record CharDecoderConfig(
        int vocab, int maxSeq, int dim, int heads, int blocks, int mlpRatio) {

    public CharDecoderConfig {
        VitConfig.positive("vocab", vocab);
        VitConfig.positive("maxSeq", maxSeq);
        VitConfig.positive("dim", dim);
        VitConfig.positive("heads", heads);
        VitConfig.positive("blocks", blocks);
        VitConfig.positive("mlpRatio", mlpRatio);
        if (dim % heads != 0) {
            throw new IllegalArgumentException("heads " + heads + " does not divide dim " + dim);
        }
    }

    /**
     * Byte-level default: 128 symbols (ASCII), 64-character context, width 64, 4 heads, 2 blocks,
     * MLP ×4.
     */
    public static CharDecoderConfig defaults() {
        return new CharDecoderConfig(128, 64, 64, 4, 2, 4);
    }
}
