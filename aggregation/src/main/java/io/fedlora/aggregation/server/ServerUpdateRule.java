package io.fedlora.aggregation.server;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * How a server optimizer turns the round's pseudo-gradient {@code Δ = aggregate − x} into a step,
 * per coordinate, following Reddi et al. (ICLR 2021), Algorithm 2:
 *
 * <ul>
 *   <li>FedAdam, FedYogi, FedAdagrad: {@code m ← β₁m + (1−β₁)Δ}; then {@code v ← β₂v + (1−β₂)Δ²}
 *       (Adam), {@code v ← v − (1−β₂)Δ²·sign(v − Δ²)} (Yogi) or {@code v ← v + Δ²} (Adagrad); and
 *       {@code x ← x + η·m/(√v + τ)}. As in the paper, {@code m} starts at 0, {@code v} at {@code
 *       τ²} (its {@code v₋₁ ≥ τ²}) and there is no bias correction.
 *   <li>FedAvgM (Hsu et al. 2019, the paper's momentum baseline): heavy-ball server momentum {@code
 *       m ← βm + Δ}, {@code x ← x + η·m}; with {@code β = 0}, {@code η = 1} it is FedAvg.
 * </ul>
 *
 * <p>Defaults: {@code β₁ = 0.9}, {@code β₂ = 0.99}, {@code τ = 10⁻³} as in the paper's experiments,
 * FedAdagrad without momentum ({@code β₁ = 0}) as there; server learning rates {@code η} = 10⁻¹
 * (Adam, Adagrad) and 10⁻² (Yogi) from the paper's tuned grids (Flower's defaults too); FedAvgM
 * {@code η = 1}, {@code β = 0.9}.
 */
public enum ServerUpdateRule {
    FEDAVGM("fedavgm", new ServerHyperparameters(1.0, 0.9, 0, 0)),
    FEDADAM("fedadam", new ServerHyperparameters(0.1, 0.9, 0.99, 1e-3)),
    FEDYOGI("fedyogi", new ServerHyperparameters(0.01, 0.9, 0.99, 1e-3)),
    FEDADAGRAD("fedadagrad", new ServerHyperparameters(0.1, 0.0, 0, 1e-3));

    private final String strategyName;
    private final ServerHyperparameters defaults;

    ServerUpdateRule(String strategyName, ServerHyperparameters defaults) {
        this.strategyName = strategyName;
        this.defaults = defaults;
    }

    /** The name the rule is registered under in {@code Strategies}, e.g. {@code fedadam}. */
    public String strategyName() {
        return strategyName;
    }

    /** The paper's defaults for this rule. */
    public ServerHyperparameters defaults() {
        return defaults;
    }

    /** Whether the rule keeps a second moment {@code v} (every rule but FedAvgM). */
    public boolean adaptive() {
        return this != FEDAVGM;
    }

    /** Whether the rule reads {@code β₂} (FedAdam and FedYogi). */
    public boolean usesBeta2() {
        return this == FEDADAM || this == FEDYOGI;
    }

    /**
     * @throws IllegalArgumentException naming the first hyper-parameter this rule cannot use
     */
    public void validate(ServerHyperparameters h) {
        if (!(h.eta() > 0) || Double.isInfinite(h.eta())) {
            throw bad("server learning rate eta", h.eta(), "positive and finite");
        }
        if (!(h.beta1() >= 0 && h.beta1() < 1)) {
            throw bad(this == FEDAVGM ? "server momentum" : "beta1", h.beta1(), "in [0, 1)");
        }
        if (usesBeta2() && !(h.beta2() >= 0 && h.beta2() < 1)) {
            throw bad("beta2", h.beta2(), "in [0, 1)");
        }
        if (adaptive() && (!(h.tau() > 0) || Double.isInfinite(h.tau()))) {
            throw bad("tau", h.tau(), "positive and finite");
        }
    }

    private IllegalArgumentException bad(String what, double value, String expected) {
        return new IllegalArgumentException(
                strategyName + ": " + what + " must be " + expected + ", got " + value);
    }

    /** The value {@code v} starts at: {@code τ²} for the adaptive rules. */
    public double initialSecondMoment(ServerHyperparameters h) {
        return h.tau() * h.tau();
    }

    /**
     * Folds {@code delta} into the moments, in place. {@code v} is ignored (may be null) for
     * FedAvgM.
     */
    public void accumulate(INDArray m, INDArray v, INDArray delta, ServerHyperparameters h) {
        if (this == FEDAVGM) {
            m.muli(h.beta1()).addi(delta);
            return;
        }
        m.muli(h.beta1()).addi(delta.mul(1 - h.beta1()));
        INDArray squared = delta.mul(delta);
        switch (this) {
            case FEDADAM -> v.muli(h.beta2()).addi(squared.muli(1 - h.beta2()));
            case FEDYOGI -> {
                INDArray sign = Transforms.sign(v.sub(squared), false);
                v.subi(squared.muli(sign).muli(1 - h.beta2()));
            }
            case FEDADAGRAD -> v.addi(squared);
            default -> throw new IllegalStateException(name());
        }
    }

    /** The step added to the parameters: {@code η·m/(√v + τ)}, or {@code η·m} for FedAvgM. */
    public INDArray step(INDArray m, INDArray v, ServerHyperparameters h) {
        if (this == FEDAVGM) {
            return m.mul(h.eta());
        }
        INDArray denominator = Transforms.sqrt(v, true).addi(h.tau());
        return m.mul(h.eta()).divi(denominator);
    }
}
