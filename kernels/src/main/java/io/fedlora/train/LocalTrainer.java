package io.fedlora.train;

import io.fedlora.data.Batch;
import io.fedlora.data.Dataset;
import io.fedlora.nn.Parameter;
import io.fedlora.nn.TrainableModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Trains a model's trainable parameters on one data set: seeded mini-batches, an optimiser, and the
 * options federated clients need (FedProx's proximal term, nested-rank sampling, FFA-LoRA's frozen
 * A, gradient clipping). The same trainer pre-trains base models (all parameters trainable) and
 * fine-tunes adapters (LoRA factors and {@code modules_to_save} trainable).
 *
 * <p>Deterministic: one {@link Random} seeded from {@link TrainConfig#seed()} draws the shuffles,
 * the dropout masks and the nested ranks, so equal seeds give bit-identical parameters.
 */
public final class LocalTrainer {

    private LocalTrainer() {}

    public static TrainReport train(TrainableModel model, Dataset data, TrainConfig config) {
        return train(model, data, config, config.newOptimizer(), ProgressListener.NONE);
    }

    /**
     * Runs the configured number of steps or epochs with {@code optimizer} (whose state carries
     * over when the caller passes the same optimiser again).
     */
    public static TrainReport train(
            TrainableModel model,
            Dataset data,
            TrainConfig config,
            Optimizer optimizer,
            ProgressListener progress) {
        config.conclude();
        if (data.size() == 0) {
            throw new IllegalArgumentException("cannot train on an empty data set");
        }
        List<Parameter> frozenA = config.freezeLoraA() ? freezeLoraA(model) : List.of();
        try {
            return run(model, data, config, optimizer, progress);
        } finally {
            for (Parameter p : frozenA) {
                p.setTrainable(true);
            }
        }
    }

    private static TrainReport run(
            TrainableModel model,
            Dataset data,
            TrainConfig config,
            Optimizer optimizer,
            ProgressListener progress) {
        List<Parameter> trainable = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            if (p.trainable()) {
                trainable.add(p);
            }
        }
        if (trainable.isEmpty()) {
            throw new IllegalArgumentException("the model has no trainable parameters");
        }
        List<INDArray> start = config.proximalMu() > 0 ? snapshot(trainable) : List.of();
        int batchesPerEpoch = (data.size() + config.batchSize() - 1) / config.batchSize();
        int total =
                config.localSteps() > 0 ? config.localSteps() : config.epochs() * batchesPerEpoch;

        Random rng = new Random(config.seed());
        int[] order = new int[data.size()];
        int cursor = order.length; // forces a shuffle before the first batch
        double[] losses = new double[total];
        long examples = 0;
        long t0 = System.nanoTime();
        try {
            for (int step = 0; step < total; step++) {
                if (cursor >= order.length) {
                    shuffle(order, rng);
                    cursor = 0;
                }
                int end = Math.min(order.length, cursor + config.batchSize());
                Batch batch = data.batch(Arrays.copyOfRange(order, cursor, end));
                cursor = end;
                examples += batch.size();

                for (Parameter p : trainable) {
                    p.zeroGrad();
                }
                if (config.nestedRankMax() > 0) {
                    model.setActiveRank(1 + rng.nextInt(config.nestedRankMax()));
                }
                double loss = model.forwardBackward(batch, rng);
                if (!Double.isFinite(loss)) {
                    // Stop before a NaN reaches the optimiser state and every parameter.
                    throw new IllegalStateException(
                            "training loss became " + loss + " at step " + (step + 1));
                }
                if (config.proximalMu() > 0) {
                    loss += addProximalGradient(trainable, start, config.proximalMu());
                }
                if (config.clipNorm() > 0) {
                    clipGradients(trainable, config.clipNorm());
                }
                optimizer.step(trainable);
                losses[step] = loss;
                if (step + 1 == total
                        || (config.progressEvery() > 0
                                && (step + 1) % config.progressEvery() == 0)) {
                    progress.onProgress(step + 1, total, loss);
                }
            }
        } finally {
            if (config.nestedRankMax() > 0) {
                model.setActiveRank(config.nestedRankMax());
            }
        }
        return new TrainReport(total, examples, losses, (System.nanoTime() - t0) / 1e9);
    }

    /** Parameter names of LoRA's A factors end so ({@code <module>.lora_A}, see LoraLinear). */
    private static final String LORA_A_SUFFIX = ".lora_A";

    /**
     * Freezes every trainable {@code lora_A} for the run (FFA-LoRA), so that the layers compute no
     * gradient for it and the optimiser never sees it — weight decay included. Returns what it
     * froze, for the caller to unfreeze afterwards.
     */
    private static List<Parameter> freezeLoraA(TrainableModel model) {
        List<Parameter> frozen = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            if (p.trainable() && p.name().endsWith(LORA_A_SUFFIX)) {
                p.setTrainable(false);
                frozen.add(p);
            }
        }
        if (frozen.isEmpty()) {
            throw new IllegalArgumentException(
                    "freezeLoraA is set but the model has no trainable lora_A parameter");
        }
        return frozen;
    }

    private static List<INDArray> snapshot(List<Parameter> params) {
        List<INDArray> copies = new ArrayList<>(params.size());
        for (Parameter p : params) {
            copies.add(p.value().dup());
        }
        return copies;
    }

    /** Adds {@code μ(θ − θ₀)} to each gradient; returns the term's loss {@code μ/2·‖θ − θ₀‖²}. */
    static double addProximalGradient(List<Parameter> params, List<INDArray> start, double mu) {
        double squared = 0;
        for (int i = 0; i < params.size(); i++) {
            INDArray diff = params.get(i).value().sub(start.get(i));
            double norm = diff.norm2Number().doubleValue();
            squared += norm * norm;
            params.get(i).grad().addi(diff.muli(mu));
        }
        return 0.5 * mu * squared;
    }

    /** Scales every gradient by {@code maxNorm / ‖g‖} when their global L2 norm exceeds it. */
    static double clipGradients(List<Parameter> params, double maxNorm) {
        double squared = 0;
        for (Parameter p : params) {
            double n = p.grad().norm2Number().doubleValue();
            squared += n * n;
        }
        double norm = Math.sqrt(squared);
        if (norm > maxNorm) {
            for (Parameter p : params) {
                p.grad().muli(maxNorm / norm);
            }
        }
        return norm;
    }

    /** Fisher–Yates over 0..n−1, driven by {@code rng}. */
    private static void shuffle(int[] order, Random rng) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
    }
}
