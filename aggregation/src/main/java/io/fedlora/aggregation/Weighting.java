package io.fedlora.aggregation;

import java.util.List;

/** How clients' results are weighted: by example count (the default, as FedAvg) or equally. */
public enum Weighting {
    EXAMPLES,
    UNIFORM;

    /**
     * The normalised weights {@code pᵢ} (summing to 1) of {@code results}, in order.
     *
     * @throws IllegalArgumentException on no results, or when weighting by examples and every
     *     client reports zero examples
     */
    public double[] of(List<FitResult> results) {
        if (results.isEmpty()) {
            throw new IllegalArgumentException("no results to weight");
        }
        double[] p = new double[results.size()];
        double total = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = this == UNIFORM ? 1.0 : results.get(i).exampleCount();
            total += p[i];
        }
        if (total <= 0) {
            throw new IllegalArgumentException(
                    "every client reported 0 examples: cannot weight by example count");
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= total;
        }
        return p;
    }
}
