package io.fedlora.train;

/**
 * How one local training run goes, as a fluent context in Aeron's style: setters and getters share
 * a name, {@link #conclude()} validates and fills defaults, and a concluded config is not changed
 * again.
 *
 * <p>Length: {@link #localSteps(int)} optimiser steps, or, when that is 0, {@link #epochs(int)}
 * passes over the data (the last batch of a pass may be smaller).
 */
public final class TrainConfig {

    private Optimizer.Kind optimizer = Optimizer.Kind.ADAMW;
    private double learningRate = 1e-3;
    private double weightDecay = 0;
    private double momentum = 0;
    private double beta1 = 0.9;
    private double beta2 = 0.999;
    private double epsilon = 1e-8;
    private int batchSize = 64;
    private int localSteps = 0;
    private int epochs = 1;
    private long seed = 0;
    private double clipNorm = 0;
    private double proximalMu = 0;
    private int nestedRankMax = 0;
    private boolean freezeLoraA = false;
    private int progressEvery = 0;
    private boolean concluded;

    /** Checks every value and freezes the config. */
    public TrainConfig conclude() {
        require(learningRate > 0 && Double.isFinite(learningRate), "learning rate", learningRate);
        require(weightDecay >= 0, "weight decay", weightDecay);
        require(momentum >= 0 && momentum < 1, "momentum", momentum);
        require(beta1 >= 0 && beta1 < 1, "beta1", beta1);
        require(beta2 >= 0 && beta2 < 1, "beta2", beta2);
        require(epsilon > 0, "epsilon", epsilon);
        require(batchSize > 0, "batch size", batchSize);
        require(localSteps >= 0, "local steps", localSteps);
        require(localSteps > 0 || epochs > 0, "epochs (with local steps 0)", epochs);
        require(clipNorm >= 0, "clip norm", clipNorm);
        require(proximalMu >= 0, "FedProx mu", proximalMu);
        require(nestedRankMax >= 0, "nested rank max", nestedRankMax);
        require(progressEvery >= 0, "progress interval", progressEvery);
        concluded = true;
        return this;
    }

    private static void require(boolean ok, String what, double value) {
        if (!ok) {
            throw new IllegalArgumentException("invalid " + what + ": " + value);
        }
    }

    private TrainConfig set() {
        if (concluded) {
            throw new IllegalStateException("the train config is concluded and cannot change");
        }
        return this;
    }

    /** A new optimiser of the configured kind with fresh state. */
    public Optimizer newOptimizer() {
        return switch (optimizer) {
            case ADAMW -> new AdamW(learningRate, beta1, beta2, epsilon, weightDecay);
            case SGD -> new Sgd(learningRate, momentum, weightDecay);
        };
    }

    public Optimizer.Kind optimizer() {
        return optimizer;
    }

    public TrainConfig optimizer(Optimizer.Kind v) {
        set().optimizer = v;
        return this;
    }

    public double learningRate() {
        return learningRate;
    }

    public TrainConfig learningRate(double v) {
        set().learningRate = v;
        return this;
    }

    /** Decoupled for AdamW, added to the gradient for SGD. Default 0. */
    public double weightDecay() {
        return weightDecay;
    }

    public TrainConfig weightDecay(double v) {
        set().weightDecay = v;
        return this;
    }

    /** SGD momentum, default 0 (none). */
    public double momentum() {
        return momentum;
    }

    public TrainConfig momentum(double v) {
        set().momentum = v;
        return this;
    }

    public double beta1() {
        return beta1;
    }

    public TrainConfig beta1(double v) {
        set().beta1 = v;
        return this;
    }

    public double beta2() {
        return beta2;
    }

    public TrainConfig beta2(double v) {
        set().beta2 = v;
        return this;
    }

    public double epsilon() {
        return epsilon;
    }

    public TrainConfig epsilon(double v) {
        set().epsilon = v;
        return this;
    }

    public int batchSize() {
        return batchSize;
    }

    public TrainConfig batchSize(int v) {
        set().batchSize = v;
        return this;
    }

    /** Optimiser steps; 0 means "run {@link #epochs()} passes instead". Default 0. */
    public int localSteps() {
        return localSteps;
    }

    public TrainConfig localSteps(int v) {
        set().localSteps = v;
        return this;
    }

    /** Passes over the data when {@link #localSteps()} is 0. Default 1. */
    public int epochs() {
        return epochs;
    }

    public TrainConfig epochs(int v) {
        set().epochs = v;
        return this;
    }

    /** Seeds the shuffle, dropout masks and nested-rank draws. Default 0. */
    public long seed() {
        return seed;
    }

    public TrainConfig seed(long v) {
        set().seed = v;
        return this;
    }

    /** Global L2 norm above which gradients are scaled down; 0 (default) turns clipping off. */
    public double clipNorm() {
        return clipNorm;
    }

    public TrainConfig clipNorm(double v) {
        set().clipNorm = v;
        return this;
    }

    /**
     * FedProx's μ: adds {@code μ/2·‖θ − θ_start‖²} over the trainable parameters to the loss, where
     * {@code θ_start} is their value when training starts (the global model). Default 0.
     */
    public double proximalMu() {
        return proximalMu;
    }

    public TrainConfig proximalMu(double v) {
        set().proximalMu = v;
        return this;
    }

    /**
     * Nested-rank (DyLoRA) training when positive: each step draws b uniformly from {@code
     * 1..nestedRankMax} and trains only the first b LoRA components; the model's full rank, which
     * must equal this value, is restored after training. Default 0 (off).
     */
    public int nestedRankMax() {
        return nestedRankMax;
    }

    public TrainConfig nestedRankMax(int v) {
        set().nestedRankMax = v;
        return this;
    }

    /**
     * FFA-LoRA: when true, every LoRA {@code lora_A} factor keeps the value it had when training
     * started (the shared seeded initialisation) and only {@code lora_B} and {@code
     * modules_to_save} train. With every client's A equal, averaging the B factors is the exact
     * average of the updates. Default false.
     */
    public boolean freezeLoraA() {
        return freezeLoraA;
    }

    public TrainConfig freezeLoraA(boolean v) {
        set().freezeLoraA = v;
        return this;
    }

    /** Steps between progress reports; 0 (default) reports only the last step. */
    public int progressEvery() {
        return progressEvery;
    }

    public TrainConfig progressEvery(int v) {
        set().progressEvery = v;
        return this;
    }
}
