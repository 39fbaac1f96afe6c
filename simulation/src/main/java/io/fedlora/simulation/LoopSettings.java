package io.fedlora.simulation;

/**
 * How a simulated federated run goes.
 *
 * @param rounds federated rounds
 * @param evalEvery federated evaluation every this many rounds (and after round 0, the initial
 *     model, and the last round)
 * @param localSteps optimiser steps each instructed client takes per round
 * @param batchSize local mini-batch size
 * @param learningRate local AdamW learning rate (fresh optimiser state every round, as clients keep
 *     no state between rounds)
 * @param evalBatchSize batch size of evaluation (affects speed only)
 * @param maxUpdateNorm the validator's bound on an update's distance from its start; ∞ for none
 * @param seed seeds the initial adapter and every client's local training
 * @param parallelism clients that train or evaluate at the same time, each on its own thread; the
 *     results do not depend on it
 */
public record LoopSettings(
        int rounds,
        int evalEvery,
        int localSteps,
        int batchSize,
        double learningRate,
        int evalBatchSize,
        double maxUpdateNorm,
        long seed,
        int parallelism) {

    public LoopSettings {
        positive("rounds", rounds);
        positive("evalEvery", evalEvery);
        positive("localSteps", localSteps);
        positive("batchSize", batchSize);
        positive("evalBatchSize", evalBatchSize);
        positive("parallelism", parallelism);
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException(
                    "learning rate must be positive and finite, got " + learningRate);
        }
        if (!(maxUpdateNorm > 0)) {
            throw new IllegalArgumentException(
                    "maxUpdateNorm must be positive, got " + maxUpdateNorm);
        }
    }

    public LoopSettings withSeed(long s) {
        return new LoopSettings(
                rounds,
                evalEvery,
                localSteps,
                batchSize,
                learningRate,
                evalBatchSize,
                maxUpdateNorm,
                s,
                parallelism);
    }

    public LoopSettings withRounds(int r) {
        return new LoopSettings(
                r,
                evalEvery,
                localSteps,
                batchSize,
                learningRate,
                evalBatchSize,
                maxUpdateNorm,
                seed,
                parallelism);
    }

    public LoopSettings withEvalEvery(int e) {
        return new LoopSettings(
                rounds,
                e,
                localSteps,
                batchSize,
                learningRate,
                evalBatchSize,
                maxUpdateNorm,
                seed,
                parallelism);
    }

    public LoopSettings withLocalTraining(int steps, int batch, double lr) {
        return new LoopSettings(
                rounds,
                evalEvery,
                steps,
                batch,
                lr,
                evalBatchSize,
                maxUpdateNorm,
                seed,
                parallelism);
    }

    public LoopSettings withParallelism(int threads) {
        return new LoopSettings(
                rounds,
                evalEvery,
                localSteps,
                batchSize,
                learningRate,
                evalBatchSize,
                maxUpdateNorm,
                seed,
                threads);
    }

    /** Whether round {@code round} (0 = the initial model) ends with a federated evaluation. */
    public boolean evaluatesAfter(long round) {
        return round == 0 || round == rounds || round % evalEvery == 0;
    }

    private static void positive(String name, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + v);
        }
    }
}
