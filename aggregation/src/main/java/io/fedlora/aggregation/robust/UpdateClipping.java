package io.fedlora.aggregation.robust;

import io.fedlora.aggregation.AdapterTensors;
import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.aggregation.UpdateHandle;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Clips clients' updates to an L2 bound in parameter space: a client's update is its adapter minus
 * the adapter it started from ({@link GlobalModel#clientStart(int)} at its rank), taken over every
 * {@code lora_A}, {@code lora_B} and saved tensor; one whose norm exceeds the bound {@code C} is
 * replaced by {@code start + (C/‖update‖)·update}. Used by norm bounding and by DP-FedAvg.
 *
 * <p>The norm is computed module by module in double precision; the clipped update is lazy (a
 * {@link UpdateHandle} that scales each module as it is read), so clipping holds no more than the
 * strategy reading it does.
 */
public final class UpdateClipping {

    /** A result after clipping: the result to aggregate, its update's norm, and the factor used. */
    public record Clipped(FitResult result, double norm, double factor) {
        /** Whether the update was scaled down. */
        public boolean clipped() {
            return factor < 1;
        }
    }

    private final GlobalModel global;
    private final Map<Integer, Adapter> startsByRank = new HashMap<>();

    /** Clipping relative to the adapters clients of {@code global} started from. */
    public UpdateClipping(GlobalModel global) {
        this.global = global;
    }

    /**
     * {@code result} with its update clipped to {@code bound}; the same result (not a copy) when
     * the update is within the bound.
     */
    public Clipped clip(FitResult result, double bound) {
        if (!(bound > 0)) {
            throw new IllegalArgumentException("clipping bound must be positive, got " + bound);
        }
        Adapter start = startOf(result.update());
        double norm = distance(start, result.update());
        if (norm <= bound) {
            return new Clipped(result, norm, 1.0);
        }
        double factor = bound / norm;
        FitResult scaled =
                new FitResult(
                        result.clientId(),
                        result.round(),
                        result.exampleCount(),
                        result.metrics(),
                        new ScaledUpdate(start, result.update(), factor));
        return new Clipped(scaled, norm, factor);
    }

    private Adapter startOf(UpdateHandle update) {
        Adapter g = global.adapter();
        if (g.modules().isEmpty()) {
            return g;
        }
        int rank = update.module(g.modules().keySet().iterator().next()).rank();
        return startsByRank.computeIfAbsent(rank, global::clientStart);
    }

    private static double distance(Adapter start, UpdateHandle update) {
        double total = 0;
        for (Map.Entry<String, LoraPair> e : start.modules().entrySet()) {
            LoraPair mine = update.module(e.getKey());
            total += squaredDifference(mine.a(), e.getValue().a());
            total += squaredDifference(mine.b(), e.getValue().b());
        }
        for (Map.Entry<String, INDArray> e : start.modulesToSave().entrySet()) {
            total += squaredDifference(update.saved(e.getKey()), e.getValue());
        }
        return Math.sqrt(total);
    }

    private static double squaredDifference(INDArray x, INDArray y) {
        return AdapterTensors.squaredNorm(x.castTo(DataType.DOUBLE).sub(y.castTo(DataType.DOUBLE)));
    }

    /** {@code start + factor·(x − start)}, in {@code x}'s data type. */
    static INDArray toward(INDArray start, INDArray x, double factor) {
        INDArray s = start.castTo(x.dataType());
        return x.sub(s).muli(factor).addi(s);
    }

    /** An update scaled towards its start as it is read. */
    private record ScaledUpdate(Adapter start, UpdateHandle original, double factor)
            implements UpdateHandle {

        @Override
        public Adapter load() {
            Map<String, INDArray> starts = AdapterTensors.of(start);
            return AdapterTensors.map(
                    original.load(), (key, x) -> toward(starts.get(key), x, factor));
        }

        @Override
        public LoraPair module(String name) {
            LoraPair mine = original.module(name);
            LoraPair from = start.module(name);
            return new LoraPair(
                    toward(from.a(), mine.a(), factor), toward(from.b(), mine.b(), factor));
        }

        @Override
        public INDArray saved(String name) {
            INDArray from = start.modulesToSave().get(name);
            if (from == null) {
                throw new IllegalArgumentException("the update has no saved module " + name);
            }
            return toward(from, original.saved(name), factor);
        }
    }
}
