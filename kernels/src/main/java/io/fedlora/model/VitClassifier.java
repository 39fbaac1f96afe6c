package io.fedlora.model;

import io.fedlora.nn.LoraLinear;
import io.fedlora.nn.MeanPool;
import io.fedlora.nn.Parameter;
import io.fedlora.nn.Pass;
import io.fedlora.nn.PatchEmbedding;
import io.fedlora.nn.PositionalEmbedding;
import io.fedlora.nn.TransformerStack;
import io.fedlora.nn.WeightSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A small vision transformer for square single-channel images: patch embedding ({@code
 * patch_embed}) plus learned positions ({@code pos_embed}), pre-LN blocks ({@code
 * blocks.i.attn.q|k| v|o}, {@code blocks.i.mlp.fc1|fc2}), a final LayerNorm ({@code norm}), mean
 * pooling over tokens and a linear classifier ({@code head}).
 *
 * <p>Input {@code [b, side·side]} pixels, targets {@code b} class labels; logits {@code [b,
 * classes]}.
 */
public final class VitClassifier extends AdaptableModel {

    private final PatchEmbedding patchEmbed;
    private final PositionalEmbedding posEmbed;
    private final TransformerStack trunk;
    private final MeanPool pool = new MeanPool();
    private final LoraLinear head;

    /** Builds the model from {@code source}: seeded fresh weights or a shared base state. */
    public VitClassifier(VitConfig cfg, WeightSource source) {
        super(source);
        patchEmbed =
                new PatchEmbedding("patch_embed", source, cfg.imageSide(), cfg.patch(), cfg.dim());
        posEmbed = new PositionalEmbedding("pos_embed", source, cfg.tokens(), cfg.dim());
        trunk =
                new TransformerStack(
                        source,
                        cfg.blocks(),
                        cfg.dim(),
                        cfg.heads(),
                        cfg.dim() * cfg.mlpRatio(),
                        false);
        head = LoraLinear.create("head", source, cfg.dim(), cfg.classes(), true);
        List<LoraLinear> ls = new ArrayList<>();
        ls.add(patchEmbed.linear());
        ls.addAll(trunk.linears());
        ls.add(head);
        registerLinears(ls);
    }

    /** A model owning fresh FLOAT weights drawn from {@code seed}. */
    public static VitClassifier seeded(VitConfig cfg, long seed) {
        return new VitClassifier(cfg, WeightSource.seeded(seed, DataType.FLOAT));
    }

    /**
     * A model over a shared base state (e.g. another model's {@link #baseState()}); nothing is
     * copied.
     */
    public static VitClassifier overBase(VitConfig cfg, Map<String, INDArray> base) {
        return new VitClassifier(cfg, WeightSource.shared(base));
    }

    @Override
    protected INDArray forward(INDArray images, Pass pass) {
        INDArray x = posEmbed.forward(patchEmbed.forward(images, pass), pass);
        return head.forward(pool.forward(trunk.forward(x, pass), pass), pass);
    }

    @Override
    protected void backward(INDArray dLogits) {
        INDArray dx = trunk.backward(pool.backward(head.backward(dLogits)));
        posEmbed.backward(dx);
        patchEmbed.backward(dx);
    }

    @Override
    protected List<Parameter> collectParameters() {
        List<Parameter> ps = new ArrayList<>(patchEmbed.parameters());
        ps.addAll(posEmbed.parameters());
        ps.addAll(trunk.parameters());
        ps.addAll(head.parameters());
        return ps;
    }
}
