package io.fedlora.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The foundation's acceptance check on real data: a LoRA adapter (rank 8, attention and MLP, the
 * head fully trained) on a frozen base pre-trained on plain Fashion-MNIST gains at least 10 points
 * of test accuracy on the inverted domain over the frozen base.
 */
class CentralisedFineTuneTest {

    @Test
    @Timeout(600)
    void shouldGainTenPointsOnTheShiftedDomain() {
        // Two thirds of the demo's steps keep the test near two minutes on two cores.
        CentralisedFineTune.Settings s =
                CentralisedFineTune.Settings.defaults().withSteps(800, 400);
        CentralisedFineTune.Result r =
                CentralisedFineTune.run(
                        s,
                        (phase, step, total, loss) -> {
                            if (step == total || step % (total / 4) == 0) {
                                System.out.printf(
                                        Locale.ROOT,
                                        "%s %d/%d loss %.4f%n",
                                        phase,
                                        step,
                                        total,
                                        loss);
                            }
                        });
        System.out.printf(
                Locale.ROOT,
                "base on identity %.2f%%, frozen base on %s %.2f%%, LoRA fine-tuned %.2f%%"
                        + " (pre-train %.0f s, fine-tune %.0f s)%n",
                100 * r.baseIdentityAccuracy(),
                s.shifted(),
                100 * r.baseShiftedAccuracy(),
                100 * r.fineTunedShiftedAccuracy(),
                r.pretrain().wallSeconds(),
                r.finetune().wallSeconds());
        assertTrue(
                r.fineTunedShiftedAccuracy() >= r.baseShiftedAccuracy() + 0.10,
                "gain below 10 points: "
                        + r.baseShiftedAccuracy()
                        + " -> "
                        + r.fineTunedShiftedAccuracy());
        assertTrue(r.baseIdentityAccuracy() > 0.7, "base accuracy " + r.baseIdentityAccuracy());
    }
}
