package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies a {@link FactorCorrection} to every module of an averaged adapter, the step FedIT,
 * HetLoRA and nested ranks share: module by module, the correction sees the averaged pair and the
 * round's clients ({@link ModuleClients}, updates re-read on demand) and returns the pair the next
 * round starts from. Its per-module diagnostics are averaged over the modules and reported as
 * {@code <correction>.<diagnostic>.mean}.
 */
final class CorrectionPass {

    private CorrectionPass() {}

    /** The corrected adapter and the correction's round metrics. */
    record Result(Adapter adapter, Map<String, Double> metrics) {
        Result {
            metrics = Map.copyOf(metrics);
        }
    }

    /**
     * The coefficients {@code cᵢ = pᵢ·sᵢ / s} that express the clients' ideal update {@code Σ
     * pᵢ·sᵢ·Bᵢ·Aᵢ} in the scale {@code s} of the adapter being built.
     */
    static double[] coefficients(double[] p, double[] clientScales, double scale) {
        if (p.length != clientScales.length) {
            throw new IllegalArgumentException(
                    p.length + " weights for " + clientScales.length + " client scales");
        }
        double[] c = new double[p.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = p[i] * clientScales[i] / scale;
        }
        return c;
    }

    /**
     * {@code averaged} with each module replaced by {@code correction}'s pair; rank, alpha and
     * saved modules are kept. {@link FactorCorrection#NONE} returns {@code averaged} itself and
     * reads no update.
     *
     * @param updates the clients' updates, in the order of {@code coefficients}
     */
    static Result apply(
            FactorCorrection correction,
            Adapter averaged,
            List<UpdateHandle> updates,
            double[] coefficients) {
        if (correction == FactorCorrection.NONE) {
            return new Result(averaged, Map.of());
        }
        Map<String, LoraPair> corrected = new LinkedHashMap<>();
        Map<String, Double> sums = new LinkedHashMap<>();
        for (Map.Entry<String, LoraPair> e : averaged.modules().entrySet()) {
            FactorCorrection.Corrected c =
                    correction.correct(
                            e.getValue(), new ModuleClients(e.getKey(), updates, coefficients));
            corrected.put(e.getKey(), c.pair());
            c.diagnostics().forEach((k, v) -> sums.merge(k, v, Double::sum));
        }
        int modules = averaged.modules().size();
        Map<String, Double> metrics = new LinkedHashMap<>();
        sums.forEach((k, v) -> metrics.put(correction.name() + "." + k + ".mean", v / modules));
        Adapter adapter =
                new Adapter(
                        corrected,
                        averaged.rank(),
                        averaged.alpha(),
                        averaged.targetModules(),
                        averaged.modulesToSave());
        return new Result(adapter, metrics);
    }
}
