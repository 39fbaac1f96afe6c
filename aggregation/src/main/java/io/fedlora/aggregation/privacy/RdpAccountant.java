package io.fedlora.aggregation.privacy;

import io.fedlora.aggregation.ServerState;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A Rényi-DP accountant for repeated sampled Gaussian mechanisms: RDP composes by addition at every
 * order, so it keeps the running sum ε_RDP(α) over a grid of integer orders ({@link
 * SampledGaussianRdp}) and converts to (ε, δ) on demand with the conversion of Canonne, Kamath and
 * Steinke (2020) / Balle et al. (2020), as TF Privacy and Opacus do:
 *
 * <pre>
 *   ε = min_α  ε_RDP(α) + log((α − 1)/α) − (log δ + log α)/(α − 1),
 * </pre>
 *
 * which is never larger than Mironov's {@code ε_RDP(α) + log(1/δ)/(α − 1)}.
 *
 * <p>Its state (orders, sums, steps) round-trips exactly through {@link ServerState} values.
 */
public final class RdpAccountant {

    /** Orders 2…64, then sparser up to 512: enough for z from about 0.5 to 20. */
    public static final int[] DEFAULT_ORDERS =
            IntStream.concat(
                            IntStream.rangeClosed(2, 64),
                            IntStream.of(80, 96, 128, 160, 192, 256, 384, 512))
                    .toArray();

    private final int[] orders;
    private final double[] rdp;
    private long steps;

    public RdpAccountant() {
        this(DEFAULT_ORDERS);
    }

    public RdpAccountant(int[] orders) {
        if (orders.length == 0) {
            throw new IllegalArgumentException("the accountant needs at least one order");
        }
        for (int alpha : orders) {
            if (alpha < 2) {
                throw new IllegalArgumentException("Rényi orders must be >= 2, got " + alpha);
            }
        }
        this.orders = orders.clone();
        this.rdp = new double[orders.length];
    }

    /** Adds {@code count} rounds of the sampled Gaussian mechanism with rate q and multiplier z. */
    public void compose(double q, double z, long count) {
        if (count < 0) {
            throw new IllegalArgumentException("cannot compose " + count + " steps");
        }
        if (count == 0) {
            return;
        }
        for (int i = 0; i < orders.length; i++) {
            rdp[i] += count * SampledGaussianRdp.rdp(q, z, orders[i]);
        }
        steps += count;
    }

    /** Rounds composed so far. */
    public long steps() {
        return steps;
    }

    /** The accumulated RDP at each order, in {@link #orders()} order. */
    public double[] rdp() {
        return rdp.clone();
    }

    public int[] orders() {
        return orders.clone();
    }

    /** The smallest ε over the orders for which the composition so far is (ε, δ)-DP. */
    public double epsilon(double delta) {
        if (!(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
        }
        if (Arrays.stream(rdp).allMatch(r -> r == 0)) {
            // Nothing released yet (or only with q = 0): the conversion's slack is not a loss.
            return 0;
        }
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < orders.length; i++) {
            best = Math.min(best, toEpsilon(rdp[i], orders[i], delta));
        }
        return Math.max(0, best);
    }

    /** The (ε, δ) conversion at one order. */
    static double toEpsilon(double rdp, int alpha, double delta) {
        return rdp + Math.log1p(-1.0 / alpha) - (Math.log(delta) + Math.log(alpha)) / (alpha - 1);
    }

    /** Orders, sums and steps as exact text values. */
    public ServerState toState() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put(
                "orders",
                Arrays.stream(orders).mapToObj(Integer::toString).collect(Collectors.joining(",")));
        values.put(
                "rdp",
                Arrays.stream(rdp).mapToObj(Double::toString).collect(Collectors.joining(",")));
        values.put("steps", Long.toString(steps));
        return new ServerState(Map.of(), values);
    }

    /**
     * Replaces the sums and steps with {@code state}'s (as written by {@link #toState()}).
     *
     * @throws IllegalArgumentException when the state was kept over other orders or is malformed
     */
    public void restore(ServerState state) {
        if (!state.tensors().isEmpty()
                || !state.values().keySet().equals(Set.of("orders", "rdp", "steps"))) {
            throw new IllegalArgumentException(
                    "privacy accountant state must hold values orders, rdp and steps, got "
                            + state);
        }
        int[] savedOrders;
        double[] savedRdp;
        long savedSteps;
        try {
            savedOrders =
                    Arrays.stream(state.value("orders").split(","))
                            .mapToInt(s -> Integer.parseInt(s.trim()))
                            .toArray();
            savedRdp =
                    Arrays.stream(state.value("rdp").split(","))
                            .mapToDouble(s -> Double.parseDouble(s.trim()))
                            .toArray();
            savedSteps = Long.parseLong(state.value("steps").trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "privacy accountant state is malformed: " + e.getMessage());
        }
        if (!Arrays.equals(savedOrders, orders) || savedRdp.length != orders.length) {
            throw new IllegalArgumentException(
                    "privacy accountant state was kept over orders "
                            + state.value("orders")
                            + ", this accountant uses "
                            + Arrays.toString(orders));
        }
        System.arraycopy(savedRdp, 0, rdp, 0, rdp.length);
        steps = savedSteps;
    }
}
