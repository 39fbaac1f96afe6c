package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.FactoredProducts;
import io.fedlora.lora.LoraPair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * How far an aggregate is from the update the clients learned, per module: {@code ‖Σ pᵢsᵢBᵢAᵢ −
 * (s'B'A' + base update)‖_F / ‖Σ pᵢsᵢBᵢAᵢ‖_F}. 0 for exact strategies (FLoRA, FedEx-LoRA,
 * FFA-LoRA), positive for FedIT; LoRA-FAIR's correction lowers it.
 *
 * <p>Computed in factored form in double precision: the squared norm of a sum of low-rank products
 * is a quadratic form over their pairwise Gram inner products ({@link FactoredProducts}), costing
 * {@code O(n²·r²·(out+in))} per module for n clients — never an {@code out × in} matrix.
 */
public final class AggregationError {

    private AggregationError() {}

    /**
     * Relative error per module, in the outcome adapter's module order. A module whose ideal update
     * is zero gets 0 when the aggregate is zero too and +∞ otherwise.
     */
    public static Map<String, Double> perModule(
            List<FitResult> results, double[] p, FitOutcome outcome) {
        if (results.size() != p.length) {
            throw new IllegalArgumentException(
                    p.length + " weights for " + results.size() + " results");
        }
        List<Adapter> clients = results.stream().map(FitResult::adapter).toList();
        Adapter aggregate = outcome.adapter();
        Map<String, Double> errors = new LinkedHashMap<>();
        for (String module : aggregate.modules().keySet()) {
            List<LoraPair> pairs = new ArrayList<>();
            List<Double> coefficients = new ArrayList<>();
            for (int i = 0; i < clients.size(); i++) {
                pairs.add(asDouble(clients.get(i).module(module)));
                coefficients.add(p[i] * clients.get(i).scale());
            }
            int idealTerms = pairs.size();
            pairs.add(asDouble(aggregate.module(module)));
            coefficients.add(-aggregate.scale());
            outcome.baseUpdate()
                    .map(u -> u.modules().get(module))
                    .ifPresent(
                            pair -> {
                                pairs.add(asDouble(pair));
                                coefficients.add(-outcome.baseUpdate().get().scale());
                            });
            double[] c = coefficients.stream().mapToDouble(Double::doubleValue).toArray();
            double[][] gram = FactoredProducts.gram(pairs);
            double ideal = quadratic(gram, c, idealTerms);
            double residual = quadratic(gram, c, c.length);
            errors.put(module, relative(residual, ideal));
        }
        return errors;
    }

    /** The largest of {@link #perModule}'s errors, as one figure for a round. */
    public static double max(Map<String, Double> perModule) {
        return perModule.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
    }

    private static double relative(double residualSquared, double idealSquared) {
        double residual = Math.sqrt(Math.max(0, residualSquared));
        double ideal = Math.sqrt(Math.max(0, idealSquared));
        if (ideal == 0) {
            return residual == 0 ? 0 : Double.POSITIVE_INFINITY;
        }
        return residual / ideal;
    }

    /** {@code cᵀ·G·c} over the first {@code terms} entries. */
    private static double quadratic(double[][] gram, double[] c, int terms) {
        double total = 0;
        for (int i = 0; i < terms; i++) {
            for (int j = 0; j < terms; j++) {
                total += c[i] * gram[i][j] * c[j];
            }
        }
        return total;
    }

    private static LoraPair asDouble(LoraPair p) {
        return new LoraPair(p.a().castTo(DataType.DOUBLE), p.b().castTo(DataType.DOUBLE));
    }
}
