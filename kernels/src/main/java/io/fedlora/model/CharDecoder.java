package io.fedlora.model;

import io.fedlora.nn.LoraLinear;
import io.fedlora.nn.Parameter;
import io.fedlora.nn.Pass;
import io.fedlora.nn.PositionalEmbedding;
import io.fedlora.nn.TokenEmbedding;
import io.fedlora.nn.TransformerStack;
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
    private final TransformerStack trunk;
    private final LoraLinear head;

    /** Builds the model from {@code source}: seeded fresh weights or a shared base state. */
    public CharDecoder(CharDecoderConfig cfg, WeightSource source) {
        super(source);
        tokEmbed = new TokenEmbedding("tok_embed", source, cfg.vocab(), cfg.dim());
        posEmbed = new PositionalEmbedding("pos_embed", source, cfg.maxSeq(), cfg.dim());
        trunk =
                new TransformerStack(
                        source,
                        cfg.blocks(),
                        cfg.dim(),
                        cfg.heads(),
                        cfg.dim() * cfg.mlpRatio(),
                        true);
        head = LoraLinear.create("head", source, cfg.dim(), cfg.vocab(), true);
        List<LoraLinear> ls = new ArrayList<>();
        ls.addAll(trunk.linears());
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
        return head.forward(trunk.forward(x, pass), pass);
    }

    @Override
    protected void backward(INDArray dLogits) {
        INDArray dx = trunk.backward(head.backward(dLogits));
        posEmbed.backward(dx);
        tokEmbed.backward(dx);
    }

    @Override
    protected List<Parameter> collectParameters() {
        List<Parameter> ps = new ArrayList<>(tokEmbed.parameters());
        ps.addAll(posEmbed.parameters());
        ps.addAll(trunk.parameters());
        ps.addAll(head.parameters());
        return ps;
    }
}
