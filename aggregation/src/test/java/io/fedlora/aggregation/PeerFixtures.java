package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the peer strategies' tests add to {@link Fixtures}: clients of heterogeneous ranks, results
 * and their example shares, and dense products and update sums in plain Java double loops,
 * independent of the factored code under test.
 */
final class PeerFixtures {

    private PeerFixtures() {}

    /** The modules of {@link Fixtures#adapter}, in order. */
    static final String[] MODULES = {"m0", "m1"};

    /**
     * A client of rank {@code rank} trained from a global adapter of rank {@code globalRank} and
     * alpha {@code globalAlpha}: its alpha is {@code globalAlpha·rank/globalRank}, as {@link
     * GlobalModel#clientStart} gives it, so its scale equals the global one.
     */
    static Adapter client(long seed, int rank, int globalRank, double globalAlpha) {
        return Fixtures.adapter(seed, rank, globalAlpha * rank / globalRank);
    }

    /** Round-1 results of clients {@code c0, c1, …} with the given example counts. */
    static List<FitResult> results(List<Adapter> adapters, long... examples) {
        List<FitResult> results = new ArrayList<>();
        for (int i = 0; i < adapters.size(); i++) {
            results.add(Fixtures.result("c" + i, 1, examples[i], adapters.get(i)));
        }
        return results;
    }

    /** Example counts normalised to sum 1: the default weights {@code pᵢ}. */
    static double[] shares(long... examples) {
        double total = 0;
        for (long e : examples) {
            total += e;
        }
        double[] p = new double[examples.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = examples[i] / total;
        }
        return p;
    }

    /** {@code c · B · A} by loops. */
    static double[][] product(double c, LoraPair pair) {
        double[][] b = Fixtures.toDoubles(pair.b());
        double[][] a = Fixtures.toDoubles(pair.a());
        double[][] out = new double[b.length][a[0].length];
        for (int i = 0; i < b.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                double sum = 0;
                for (int t = 0; t < a.length; t++) {
                    sum += b[i][t] * a[t][j];
                }
                out[i][j] = c * sum;
            }
        }
        return out;
    }

    /** {@code Σ pᵢ·sᵢ·Bᵢ·Aᵢ} of one module, by loops. */
    static double[][] idealUpdate(List<Adapter> clients, double[] p, String module) {
        List<double[][]> updates = new ArrayList<>();
        double[] c = new double[clients.size()];
        for (int i = 0; i < c.length; i++) {
            updates.add(product(1, clients.get(i).module(module)));
            c[i] = p[i] * clients.get(i).scale();
        }
        return Fixtures.sum(updates, c);
    }

    /** {@code x + cy·y}. */
    static double[][] add(double[][] x, double cy, double[][] y) {
        return Fixtures.sum(List.of(x, y), new double[] {1, cy});
    }

    static double maxAbsDiff(double[][] x, double[][] y) {
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[0].length; j++) {
                max = Math.max(max, Math.abs(x[i][j] - y[i][j]));
            }
        }
        return max;
    }

    /** The same adapter with copies of every tensor. */
    static Adapter copy(Adapter a) {
        Map<String, LoraPair> pairs = new LinkedHashMap<>();
        a.modules().forEach((n, p) -> pairs.put(n, new LoraPair(p.a().dup(), p.b().dup())));
        Map<String, INDArray> saved = new LinkedHashMap<>();
        a.modulesToSave().forEach((n, t) -> saved.put(n, t.dup()));
        return new Adapter(pairs, a.rank(), a.alpha(), a.targetModules(), saved);
    }
}
