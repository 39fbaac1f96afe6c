package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import io.fedlora.lora.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Checks every update before any strategy sees it: it answers an instruction of this round, comes
 * once, has exactly the modules and shapes of the adapter the client started from at the instructed
 * rank, the same alpha, only finite values, and moved at most {@code maxUpdateNorm} from where it
 * started (L2 over every trained value). A rejected update becomes a {@link Failure} with its
 * reason and is counted by {@link Rejection}; the round goes on with the rest.
 */
public final class UpdateValidator {

    /** Why an update was rejected; one counter each. */
    public enum Rejection {
        NOT_INSTRUCTED,
        WRONG_ROUND,
        DUPLICATE,
        WRONG_LAYOUT,
        WRONG_RANK,
        WRONG_ALPHA,
        NON_FINITE,
        NORM_TOO_LARGE,
        UNREADABLE
    }

    /** The accepted results, and a failure for each rejected one. */
    public record Outcome(List<FitResult> accepted, List<Failure> rejected) {
        public Outcome {
            accepted = List.copyOf(accepted);
            rejected = List.copyOf(rejected);
        }
    }

    private final double maxUpdateNorm;
    private final Map<Rejection, Long> counts = new EnumMap<>(Rejection.class);

    /**
     * @param maxUpdateNorm the largest accepted L2 distance from the start adapter; ∞ for none
     */
    public UpdateValidator(double maxUpdateNorm) {
        if (!(maxUpdateNorm > 0)) {
            throw new IllegalArgumentException(
                    "maxUpdateNorm must be positive, got " + maxUpdateNorm);
        }
        this.maxUpdateNorm = maxUpdateNorm;
    }

    /** A validator without a norm bound. */
    public static UpdateValidator unbounded() {
        return new UpdateValidator(Double.POSITIVE_INFINITY);
    }

    /**
     * Splits {@code results} into accepted and rejected ones, against the round's {@code
     * instructions} and the {@code global} model the clients started from.
     */
    public synchronized Outcome validate(
            GlobalModel global, List<FitInstruction> instructions, List<FitResult> results) {
        Map<String, FitInstruction> byClient = new HashMap<>();
        instructions.forEach(i -> byClient.put(i.clientId(), i));
        Set<String> seen = new HashSet<>();
        List<FitResult> accepted = new ArrayList<>();
        List<Failure> rejected = new ArrayList<>();
        for (FitResult result : results) {
            FitInstruction instruction = byClient.get(result.clientId());
            String reason;
            Rejection kind;
            if (instruction == null) {
                kind = Rejection.NOT_INSTRUCTED;
                reason = "no instruction was sent to this client in this round";
            } else if (result.round() != instruction.round()) {
                kind = Rejection.WRONG_ROUND;
                reason = "result of round " + result.round() + " in round " + instruction.round();
            } else if (!seen.add(result.clientId())) {
                kind = Rejection.DUPLICATE;
                reason = "a second result from the same client";
            } else {
                Problem problem = check(global.clientStart(instruction.rank()), result);
                kind = problem == null ? null : problem.kind;
                reason = problem == null ? null : problem.reason;
            }
            if (kind == null) {
                accepted.add(result);
            } else {
                counts.merge(kind, 1L, Long::sum);
                rejected.add(
                        new Failure(
                                result.clientId(),
                                result.round(),
                                "update rejected (" + kind.name().toLowerCase() + "): " + reason));
            }
        }
        return new Outcome(accepted, rejected);
    }

    /** Rejections so far, by reason. */
    public synchronized Map<Rejection, Long> counts() {
        return Map.copyOf(counts);
    }

    private record Problem(Rejection kind, String reason) {}

    private Problem check(Adapter start, FitResult result) {
        Adapter update;
        try {
            update = result.adapter();
        } catch (RuntimeException e) {
            return new Problem(Rejection.UNREADABLE, String.valueOf(e.getMessage()));
        }
        if (!update.modules().keySet().equals(start.modules().keySet())) {
            return new Problem(
                    Rejection.WRONG_LAYOUT,
                    "modules "
                            + update.modules().keySet()
                            + ", expected "
                            + start.modules().keySet());
        }
        if (!update.modulesToSave().keySet().equals(start.modulesToSave().keySet())) {
            return new Problem(
                    Rejection.WRONG_LAYOUT,
                    "saved modules "
                            + update.modulesToSave().keySet()
                            + ", expected "
                            + start.modulesToSave().keySet());
        }
        if (update.rank() != start.rank()) {
            return new Problem(
                    Rejection.WRONG_RANK,
                    "rank " + update.rank() + " but the instruction said " + start.rank());
        }
        if (Math.abs(update.alpha() - start.alpha()) > 1e-9 * start.alpha()) {
            return new Problem(
                    Rejection.WRONG_ALPHA,
                    "lora_alpha " + update.alpha() + ", expected " + start.alpha());
        }
        double squaredNorm = 0;
        for (Map.Entry<String, LoraPair> e : start.modules().entrySet()) {
            LoraPair mine = update.module(e.getKey());
            String shapeError = shapeMismatch(e.getKey() + ".lora_A", mine.a(), e.getValue().a());
            if (shapeError == null) {
                shapeError = shapeMismatch(e.getKey() + ".lora_B", mine.b(), e.getValue().b());
            }
            if (shapeError != null) {
                return new Problem(Rejection.WRONG_LAYOUT, shapeError);
            }
            if (!mine.allFinite()) {
                return new Problem(
                        Rejection.NON_FINITE, e.getKey() + " has NaN or infinite values");
            }
            squaredNorm += squaredDistance(mine.a(), e.getValue().a());
            squaredNorm += squaredDistance(mine.b(), e.getValue().b());
        }
        for (Map.Entry<String, INDArray> e : start.modulesToSave().entrySet()) {
            INDArray mine = update.modulesToSave().get(e.getKey());
            String shapeError = shapeMismatch(e.getKey(), mine, e.getValue());
            if (shapeError != null) {
                return new Problem(Rejection.WRONG_LAYOUT, shapeError);
            }
            if (!Tensors.allFinite(mine)) {
                return new Problem(
                        Rejection.NON_FINITE, e.getKey() + " has NaN or infinite values");
            }
            squaredNorm += squaredDistance(mine, e.getValue());
        }
        double norm = Math.sqrt(squaredNorm);
        if (norm > maxUpdateNorm) {
            return new Problem(
                    Rejection.NORM_TOO_LARGE,
                    String.format("update norm %.4g exceeds the bound %.4g", norm, maxUpdateNorm));
        }
        return null;
    }

    private static String shapeMismatch(String name, INDArray actual, INDArray expected) {
        if (Arrays.equals(actual.shape(), expected.shape())) {
            return null;
        }
        return name
                + " is "
                + Arrays.toString(actual.shape())
                + ", expected "
                + Arrays.toString(expected.shape());
    }

    private static double squaredDistance(INDArray x, INDArray y) {
        double d = x.castTo(y.dataType()).distance2(y);
        return d * d;
    }
}
