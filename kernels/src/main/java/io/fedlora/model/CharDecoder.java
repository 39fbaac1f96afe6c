package io.fedlora.model;

import io.fedlora.nn.LayerNorm;
import io.fedlora.nn.LoraLinear;
import io.fedlora.nn.Parameter;
import io.fedlora.nn.Pass;
import io.fedlora.nn.PositionalEmbedding;
import io.fedlora.nn.TokenEmbedding;
import io.fedlora.nn.TransformerBlock;
import io.fedlora.nn.WeightSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A decoder-only character transformer: token embedding ({@code tok_embed}) plus learned positions
 * ({@code pos_embed}), causal pre-LN blocks ({@code blocks.i.attn.q|k|v|o}, {@code
 * blocks.i.mlp.fc1|fc2}), a final LayerNorm ({@code norm}) and the next-token projection ({@code
 * head}) applied at every position.
 *
 * <p>Input {@code [b, seq]} token ids stored as floats, {@code seq ≤ maxSeq}; targets {@code b·seq}
 * next-token ids in row-major order; logits {@code [b·seq, vocab]}.
 */
public final class CharDecoder extends AdaptableModel {

    private final TokenEmbedding tokEmbed;
    private final PositionalEmbedding posEmbed;
    private final List<TransformerBlock> blocks = new ArrayList<>();
    private final LayerNorm norm;
    private final LoraLinear head;

    /** Builds the model from {@code source}: seeded fresh weights or a shared base state. */
    public CharDecoder(CharDecoderConfig cfg, WeightSource source) {
        super(source);
        tokEmbed = new TokenEmbedding("tok_embed", source, cfg.vocab(), cfg.dim());
        posEmbed = new PositionalEmbedding("pos_embed", source, cfg.maxSeq(), cfg.dim());
        for (int i = 0; i < cfg.blocks(); i++) {
            blocks.add(
                    new TransformerBlock(
                            "blocks." + i,
                            source,
                            cfg.dim(),
                            cfg.heads(),
                            cfg.dim() * cfg.mlpRatio(),
                            true));
        }
        norm = new LayerNorm("norm", source, cfg.dim());
        head = LoraLinear.create("head", source, cfg.dim(), cfg.vocab(), true);
        List<LoraLinear> ls = new ArrayList<>();
        blocks.forEach(b -> ls.addAll(b.linears()));
        ls.add(head);
        registerLinears(ls);
    }

    /** A model owning fresh FLOAT weights drawn from {@code seed}. */
    public static CharDecoder seeded(CharDecoderConfig cfg, long seed) {
        return new CharDecoder(cfg, WeightSource.seeded(seed, DataType.FLOAT));
    }

    /**
     * A model over a shared base state (e.g. another model's {@link #baseState()}); nothing is
     * copied.
     */
    public static CharDecoder overBase(CharDecoderConfig cfg, Map<String, INDArray> base) {
        return new CharDecoder(cfg, WeightSource.shared(base));
    }

    @Override
    protected INDArray forward(INDArray ids, Pass pass) {
        if (ids.rank() != 2) {
            throw new IllegalArgumentException(
                    "expected token ids [b, seq], got " + java.util.Arrays.toString(ids.shape()));
        }
        INDArray x = posEmbed.forward(tokEmbed.forward(ids, pass), pass);
        for (TransformerBlock b : blocks) {
            x = b.forward(x, pass);
        }
        return head.forward(norm.forward(x, pass), pass);
    }

    @Override
    protected void backward(INDArray dLogits) {
        INDArray dx = norm.backward(head.backward(dLogits));
        for (int i = blocks.size() - 1; i >= 0; i--) {
            dx = blocks.get(i).backward(dx);
        }
        posEmbed.backward(dx);
        tokEmbed.backward(dx);
    }

    @Override
    protected List<Parameter> collectParameters() {
        List<Parameter> ps = new ArrayList<>(tokEmbed.parameters());
        ps.addAll(posEmbed.parameters());
        blocks.forEach(b -> ps.addAll(b.parameters()));
        ps.addAll(norm.parameters());
        ps.addAll(head.parameters());
        return ps;
    }
}
