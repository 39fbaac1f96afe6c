package io.fedlora.simulation;

import io.fedlora.aggregation.EvaluateInstruction;
import io.fedlora.aggregation.EvaluateResult;
import io.fedlora.aggregation.FitInstruction;
import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.lora.Adapter;
import io.fedlora.model.AdaptableModel;
import io.fedlora.model.LoraConfig;
import io.fedlora.nn.EvalStats;
import io.fedlora.train.Evaluator;
import io.fedlora.train.LocalTrainer;
import io.fedlora.train.TrainConfig;
import io.fedlora.train.TrainReport;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * What a worker does with an instruction, done in process: build a model over the shared base,
 * enable LoRA at the instructed rank, load the global model's start adapter, train locally with the
 * instruction's options, and export the adapter; or evaluate the global model on the client's
 * held-out data. Each call builds its own model, so nothing carries over between rounds or clients
 * but the shared base (which is only read). The simulation loop runs its virtual clients through
 * it, and a cluster worker its one real client, so both train the same way.
 */
public final class VirtualClientRunner {

    private final ModelFactory models;
    private final SharedBase base;
    private final LoraConfig lora;
    private final int evalBatchSize;

    /**
     * @param lora target modules, modules to save and dropout of every client's adapter (rank and
     *     alpha come from the adapter each client starts from)
     * @param evalBatchSize batch size of evaluation (affects speed only)
     */
    public VirtualClientRunner(
            ModelFactory models, SharedBase base, LoraConfig lora, int evalBatchSize) {
        if (evalBatchSize < 1) {
            throw new IllegalArgumentException(
                    "evaluation batch size must be positive, got " + evalBatchSize);
        }
        this.models = models;
        this.base = base;
        this.lora = lora;
        this.evalBatchSize = evalBatchSize;
    }

    /**
     * A client's concluded local training configuration for {@code instruction}: AdamW at {@code
     * learningRate}, {@code localSteps} steps of {@code batchSize}, seeded with {@code seed}, and
     * the instruction's options ({@link io.fedlora.aggregation.TrainOptions}) applied.
     *
     * @throws IllegalArgumentException when an instruction option cannot be honoured or a value is
     *     out of range
     */
    public static TrainConfig trainConfig(
            FitInstruction instruction,
            double learningRate,
            int batchSize,
            int localSteps,
            long seed) {
        if (localSteps < 1) {
            throw new IllegalArgumentException("local steps must be positive, got " + localSteps);
        }
        TrainConfig config =
                new TrainConfig()
                        .learningRate(learningRate)
                        .batchSize(batchSize)
                        .localSteps(localSteps)
                        .seed(seed);
        return InstructionOptions.apply(instruction, config).conclude();
    }

    /** Trains {@code client} from the global model as instructed; the example count is its data. */
    public FitResult fit(
            VirtualClient client,
            FitInstruction instruction,
            TrainConfig config,
            GlobalModel global) {
        AdaptableModel model = modelWith(global.clientStart(instruction.rank()));
        TrainReport report = LocalTrainer.train(model, client.train(), config);
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("loss", report.lastLoss());
        metrics.put("loss_first", report.firstLoss());
        metrics.put("seconds", report.wallSeconds());
        return FitResult.inMemory(
                client.id(),
                instruction.round(),
                client.train().size(),
                metrics,
                model.exportAdapter());
    }

    /**
     * Evaluates the global model on {@code client}'s held-out data, at the rank the client would
     * receive ({@code min(maxRank, global rank)}).
     */
    public EvaluateResult evaluate(
            VirtualClient client, EvaluateInstruction instruction, GlobalModel global) {
        int rank = Math.min(client.info().maxRank(), global.adapter().rank());
        AdaptableModel model = modelWith(global.clientStart(rank));
        EvalStats stats = Evaluator.evaluate(model, client.test(), evalBatchSize);
        return new EvaluateResult(
                client.id(),
                instruction.round(),
                stats.count(),
                stats.meanLoss(),
                Map.of("accuracy", stats.accuracy()));
    }

    private AdaptableModel modelWith(Adapter start) {
        AdaptableModel model = models.overBase(base.weights());
        // A is drawn here only to be overwritten by the start adapter: any fixed seed will do.
        model.enableLora(
                new LoraConfig(
                        start.rank(),
                        start.alpha(),
                        lora.dropout(),
                        lora.targetModules(),
                        lora.modulesToSave()),
                new Random(0));
        model.loadAdapter(start);
        return model;
    }
}
