package io.fedlora.aggregation.server;

/**
 * The hyper-parameters of a server optimizer (Reddi et al., "Adaptive Federated Optimization", ICLR
 * 2021): server learning rate {@code eta}, first-moment decay {@code beta1} (FedAvgM's momentum),
 * second-moment decay {@code beta2} (FedAdam, FedYogi) and adaptivity {@code tau}. A rule ignores
 * what it does not use; {@link ServerUpdateRule#validate} checks what it does.
 */
public record ServerHyperparameters(double eta, double beta1, double beta2, double tau) {

    /** The same with another server learning rate. */
    public ServerHyperparameters withEta(double value) {
        return new ServerHyperparameters(value, beta1, beta2, tau);
    }

    /** The same with another first-moment decay (FedAvgM: momentum). */
    public ServerHyperparameters withBeta1(double value) {
        return new ServerHyperparameters(eta, value, beta2, tau);
    }

    /** The same with another second-moment decay. */
    public ServerHyperparameters withBeta2(double value) {
        return new ServerHyperparameters(eta, beta1, value, tau);
    }

    /** The same with another adaptivity. */
    public ServerHyperparameters withTau(double value) {
        return new ServerHyperparameters(eta, beta1, beta2, value);
    }
}
