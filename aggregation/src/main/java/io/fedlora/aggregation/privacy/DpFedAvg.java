package io.fedlora.aggregation.privacy;

import io.fedlora.aggregation.AdapterTensors;
import io.fedlora.aggregation.ClientInfo;
import io.fedlora.aggregation.Failure;
import io.fedlora.aggregation.FitInstruction;
import io.fedlora.aggregation.FitOutcome;
import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.ForwardingStrategy;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.aggregation.ServerState;
import io.fedlora.aggregation.Strategy;
import io.fedlora.aggregation.robust.UpdateClipping;
import io.fedlora.lora.Adapter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Central differential privacy in the style of DP-FedAvg (McMahan et al., "Learning Differentially
 * Private Recurrent Language Models", ICLR 2018), as a decorator:
 *
 * <ol>
 *   <li>each client's update (its adapter minus the one it started from, L2 over every {@code
 *       lora_A}, {@code lora_B} and saved tensor) is clipped to {@code C};
 *   <li>the inner strategy aggregates the clipped updates with uniform weights (each result is
 *       handed on with an example count of 1);
 *   <li>Gaussian noise {@code N(0, (z·C/m)²)} is added to every coordinate of the aggregate, m
 *       being the number of aggregated clients: one client moves the uniform average by at most
 *       {@code C/m}, so the noise is z times that sensitivity;
 *   <li>an {@link RdpAccountant} composes the round as a sampled Gaussian mechanism with rate q and
 *       multiplier z and reports ε at δ as {@code dp.epsilon}.
 * </ol>
 *
 * <p>The guarantee is the one of that mechanism only when the inner aggregate is the plain average
 * of the clipped updates (FedIT, or a strategy that post-processes it); a robust or corrected inner
 * rule has another sensitivity. Server optimizers are post-processing and belong outside: {@code
 * StrategyDecorators} puts this decorator inside them. The rate q is the sampler's fraction, or the
 * fraction a round actually picked when that is larger (rounding up, a minimum client count); like
 * TF Privacy and Flower it treats the round's sample as Poisson sampling at that rate.
 *
 * <p>State: the accountant under {@code dp.}; with a seeded {@link NoiseSource} a restored
 * coordinator adds the same noise to the same round.
 */
public final class DpFedAvg extends ForwardingStrategy {

    /**
     * @param clip C, the L2 bound of each client's update
     * @param noiseMultiplier z, noise standard deviation over the sensitivity
     * @param delta the δ at which ε is reported
     * @param samplingRate q, the fraction of clients sampled per round
     */
    public record Settings(double clip, double noiseMultiplier, double delta, double samplingRate) {
        public Settings {
            if (!(clip > 0) || Double.isInfinite(clip)) {
                throw new IllegalArgumentException(
                        "dp-clip must be positive and finite, got " + clip);
            }
            if (!(noiseMultiplier >= 0) || Double.isInfinite(noiseMultiplier)) {
                throw new IllegalArgumentException(
                        "dp-noise-multiplier must be finite and >= 0, got " + noiseMultiplier);
            }
            if (!(delta > 0 && delta < 1)) {
                throw new IllegalArgumentException("dp-delta must be in (0, 1), got " + delta);
            }
            if (!(samplingRate > 0 && samplingRate <= 1)) {
                throw new IllegalArgumentException(
                        "the DP sampling rate must be in (0, 1], got " + samplingRate);
            }
        }
    }

    private final Settings settings;
    private final NoiseSource noise;
    private final RdpAccountant accountant;
    private long sampledRound = -1;
    private double sampledRate;

    public DpFedAvg(Strategy inner, Settings settings, NoiseSource noise) {
        this(inner, settings, noise, new RdpAccountant());
    }

    public DpFedAvg(
            Strategy inner, Settings settings, NoiseSource noise, RdpAccountant accountant) {
        super(inner);
        this.settings = settings;
        this.noise = noise;
        this.accountant = accountant;
    }

    public Settings settings() {
        return settings;
    }

    /** The privacy spent so far, ε at the configured δ. */
    public double epsilon() {
        return accountant.epsilon(settings.delta());
    }

    @Override
    protected String statePrefix() {
        return "dp";
    }

    @Override
    public List<FitInstruction> configureFit(
            long round, GlobalModel global, List<ClientInfo> available) {
        List<FitInstruction> instructions = inner().configureFit(round, global, available);
        if (!available.isEmpty()) {
            sampledRound = round;
            sampledRate = (double) instructions.size() / available.size();
        }
        return instructions;
    }

    /** The rate the accountant charges for {@code round}. */
    private double rateOf(long round) {
        double q = settings.samplingRate();
        return round == sampledRound ? Math.max(q, sampledRate) : q;
    }

    @Override
    public FitOutcome aggregateFit(
            long round, GlobalModel global, List<FitResult> results, List<Failure> failures) {
        if (results.isEmpty()) {
            throw new IllegalArgumentException("dp: no results to aggregate");
        }
        UpdateClipping clipping = new UpdateClipping(global);
        List<FitResult> clipped = new ArrayList<>(results.size());
        int clippedCount = 0;
        for (FitResult result : results) {
            UpdateClipping.Clipped c = clipping.clip(result, settings.clip());
            FitResult r = c.result();
            clipped.add(new FitResult(r.clientId(), r.round(), 1, r.metrics(), r.update()));
            clippedCount += c.clipped() ? 1 : 0;
        }
        FitOutcome aggregated = inner().aggregateFit(round, global, clipped, failures);
        requireSameLayout("dp", round, global, aggregated);
        double std = settings.noiseMultiplier() * settings.clip() / results.size();
        Random random = noise.forRound(round);
        Adapter noisy =
                AdapterTensors.map(
                        aggregated.adapter(), (key, t) -> GaussianNoise.add(t, std, random));
        double q = rateOf(round);
        accountant.compose(q, settings.noiseMultiplier(), 1);
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("dp.epsilon", accountant.epsilon(settings.delta()));
        metrics.put("dp.delta", settings.delta());
        metrics.put("dp.noise-std", std);
        metrics.put("dp.sampling-rate", q);
        metrics.put("dp.clipped", (double) clippedCount);
        metrics.put("dp.rounds", (double) accountant.steps());
        return aggregated.withAdapter(noisy).withMetrics(metrics);
    }

    @Override
    protected ServerState ownState() {
        return accountant.toState();
    }

    @Override
    protected void restoreOwn(ServerState own) {
        if (own.isEmpty()) {
            throw new IllegalArgumentException(
                    "dp: the server state has no privacy accountant; resuming without one would"
                            + " forget the privacy already spent");
        }
        accountant.restore(own);
    }
}
