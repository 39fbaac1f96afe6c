package io.fedlora.train;

/** Told how training goes, every {@link TrainConfig#progressEvery()} steps and at the end. */
@FunctionalInterface
public interface ProgressListener {

    /**
     * @param step steps done so far (1-based)
     * @param totalSteps steps the run will take
     * @param loss mean batch loss of the last step, nats
     */
    void onProgress(int step, int totalSteps, double loss);

    ProgressListener NONE = (step, total, loss) -> {};
}
