package io.fedlora.cli;

import io.fedlora.aggregation.AggregationError;
import io.fedlora.aggregation.BaseUpdate;
import io.fedlora.aggregation.ClientInfo;
import io.fedlora.aggregation.Failure;
import io.fedlora.aggregation.FitInstruction;
import io.fedlora.aggregation.FitOutcome;
import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.aggregation.Strategies;
import io.fedlora.aggregation.Strategy;
import io.fedlora.aggregation.StrategySpec;
import io.fedlora.aggregation.UpdateValidator;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import io.fedlora.lora.Tensors;
import io.fedlora.peft.PeftAdapterFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One round of a strategy over adapters on disk, as {@code fedlora aggregate} runs it: each PEFT
 * adapter directory is a client's update, its weight its example count. The inputs are checked as a
 * coordinator checks updates, against the first adapter as the reference layout (same modules and
 * saved modules, same shapes, finite values), then the strategy decides: it is initialised from the
 * first adapter (zero-padded to the largest input rank, so a strategy that allows several ranks can
 * instruct each adapter at its own), must instruct every adapter at its rank, and the {@link
 * UpdateValidator} must accept every update. Anything else is an {@link IllegalArgumentException}
 * naming the adapter directory and the reason.
 */
final class OneShotAggregation {

    /** An input adapter, where it came from, and its weight (example count). */
    record Input(Path dir, Adapter adapter, long weight) {}

    /**
     * The round's outcome and its error against the ideal {@code Σ pᵢsᵢBᵢAᵢ} per module.
     *
     * @param p the normalised weights
     */
    record Result(
            String strategy,
            Map<String, String> options,
            List<Input> inputs,
            double[] p,
            FitOutcome outcome,
            Map<String, Double> errors) {}

    private OneShotAggregation() {}

    /** Reads the adapters of {@code dirs}; weights default to 1 each. */
    static List<Input> read(List<Path> dirs, List<Long> weights) {
        if (dirs.isEmpty()) {
            throw new IllegalArgumentException("no adapter directories given");
        }
        if (!weights.isEmpty() && weights.size() != dirs.size()) {
            throw new IllegalArgumentException(
                    weights.size() + " weights for " + dirs.size() + " adapters");
        }
        long total = 0;
        for (long w : weights) {
            if (w < 0) {
                throw new IllegalArgumentException("weight " + w + " is negative");
            }
            total += w;
        }
        if (!weights.isEmpty() && total == 0) {
            throw new IllegalArgumentException("every weight is 0");
        }
        List<Input> inputs = new ArrayList<>();
        for (int i = 0; i < dirs.size(); i++) {
            inputs.add(
                    new Input(
                            dirs.get(i),
                            PeftAdapterFiles.read(dirs.get(i)),
                            weights.isEmpty() ? 1 : weights.get(i)));
        }
        return inputs;
    }

    static Result run(StrategySpec spec, List<Input> inputs) {
        Input reference = inputs.get(0);
        for (Input in : inputs) {
            requireUsable(reference, in);
        }
        Strategy strategy = Strategies.create(spec);
        int maxRank = inputs.stream().mapToInt(in -> in.adapter().rank()).max().orElseThrow();
        Adapter start =
                reference.adapter().rank() == maxRank
                        ? reference.adapter()
                        : reference.adapter().zeroPad(maxRank);
        GlobalModel global = strategy.initialize(start);

        Map<String, Input> byClient = new LinkedHashMap<>();
        List<ClientInfo> clients = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            Input in = inputs.get(i);
            String id = "adapter-" + (i + 1);
            byClient.put(id, in);
            clients.add(new ClientInfo(id, in.adapter().rank(), in.weight()));
        }
        List<FitInstruction> instructions = strategy.configureFit(1, global, clients);
        Map<String, FitInstruction> instructed = new HashMap<>();
        instructions.forEach(i -> instructed.put(i.clientId(), i));
        List<FitResult> results = new ArrayList<>();
        for (Map.Entry<String, Input> e : byClient.entrySet()) {
            Input in = e.getValue();
            FitInstruction i = instructed.get(e.getKey());
            if (i == null) {
                throw new IllegalArgumentException(
                        in.dir()
                                + ": strategy "
                                + strategy.name()
                                + " does not take this adapter (rank "
                                + in.adapter().rank()
                                + ") in a round at rank "
                                + global.adapter().rank()
                                + " (the largest input rank); ranks given: "
                                + ranks(inputs));
            }
            if (i.rank() != in.adapter().rank()) {
                throw new IllegalArgumentException(
                        in.dir()
                                + ": strategy "
                                + strategy.name()
                                + " trains this client at rank "
                                + i.rank()
                                + " but the adapter has rank "
                                + in.adapter().rank());
            }
            results.add(FitResult.inMemory(e.getKey(), 1, in.weight(), Map.of(), in.adapter()));
        }
        UpdateValidator.Outcome checked =
                UpdateValidator.unbounded().validate(global, instructions, results);
        if (!checked.rejected().isEmpty()) {
            Failure f = checked.rejected().get(0);
            throw new IllegalArgumentException(
                    byClient.get(f.clientId()).dir() + ": " + f.reason());
        }
        FitOutcome outcome = strategy.aggregateFit(1, global, results, List.of());
        double[] p = normalised(inputs);
        return new Result(
                strategy.name(),
                spec.options(),
                inputs,
                p,
                outcome,
                AggregationError.perModule(results, p, outcome));
    }

    /**
     * A base update as a PEFT adapter whose merge is the update: each module zero-padded to the
     * largest {@code k}, the update's scale folded into B, and {@code lora_alpha = k} (scale 1).
     */
    static Adapter baseUpdateAsAdapter(BaseUpdate update, List<String> targetModules) {
        int k = update.modules().values().stream().mapToInt(LoraPair::rank).max().orElseThrow();
        Map<String, LoraPair> pairs = new LinkedHashMap<>();
        update.modules()
                .forEach(
                        (name, pair) -> {
                            LoraPair padded = pair.rank() == k ? pair : pair.zeroPad(k);
                            pairs.put(
                                    name, new LoraPair(padded.a(), padded.b().mul(update.scale())));
                        });
        return new Adapter(pairs, k, k, targetModules, Map.of());
    }

    private static String ranks(List<Input> inputs) {
        return String.join(
                ", ", inputs.stream().map(in -> in.dir() + " " + in.adapter().rank()).toList());
    }

    private static double[] normalised(List<Input> inputs) {
        double total = inputs.stream().mapToDouble(Input::weight).sum();
        return inputs.stream().mapToDouble(in -> in.weight() / total).toArray();
    }

    /** Same layout as the reference (ranks aside) and only finite values. */
    private static void requireUsable(Input reference, Input in) {
        Adapter ref = reference.adapter();
        Adapter a = in.adapter();
        differingNames("module", ref.modules().keySet(), a.modules().keySet(), reference, in);
        differingNames(
                "saved module",
                ref.modulesToSave().keySet(),
                a.modulesToSave().keySet(),
                reference,
                in);
        for (Map.Entry<String, LoraPair> e : a.modules().entrySet()) {
            LoraPair mine = e.getValue();
            LoraPair theirs = ref.module(e.getKey());
            if (mine.inFeatures() != theirs.inFeatures()
                    || mine.outFeatures() != theirs.outFeatures()) {
                throw new IllegalArgumentException(
                        in.dir()
                                + ": module "
                                + e.getKey()
                                + " adapts a "
                                + mine.outFeatures()
                                + "×"
                                + mine.inFeatures()
                                + " layer but "
                                + reference.dir()
                                + " a "
                                + theirs.outFeatures()
                                + "×"
                                + theirs.inFeatures()
                                + " one");
            }
            if (!mine.allFinite()) {
                throw new IllegalArgumentException(
                        in.dir() + ": module " + e.getKey() + " has NaN or infinite values");
            }
        }
        for (Map.Entry<String, INDArray> e : a.modulesToSave().entrySet()) {
            INDArray theirs = ref.modulesToSave().get(e.getKey());
            if (!Arrays.equals(e.getValue().shape(), theirs.shape())) {
                throw new IllegalArgumentException(
                        in.dir()
                                + ": saved module "
                                + e.getKey()
                                + " is "
                                + Arrays.toString(e.getValue().shape())
                                + " but "
                                + Arrays.toString(theirs.shape())
                                + " in "
                                + reference.dir());
            }
            if (!Tensors.allFinite(e.getValue())) {
                throw new IllegalArgumentException(
                        in.dir() + ": saved module " + e.getKey() + " has NaN or infinite values");
            }
        }
    }

    private static void differingNames(
            String what, Set<String> reference, Set<String> mine, Input ref, Input in) {
        Set<String> missing = new TreeSet<>(reference);
        missing.removeAll(mine);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(
                    in.dir() + ": no " + what + " " + missing + ", which " + ref.dir() + " has");
        }
        Set<String> extra = new TreeSet<>(mine);
        extra.removeAll(reference);
        if (!extra.isEmpty()) {
            throw new IllegalArgumentException(
                    in.dir() + ": " + what + " " + extra + ", which " + ref.dir() + " lacks");
        }
    }

    /** The largest error and its module, for the summary line. */
    static Optional<Map.Entry<String, Double>> worst(Map<String, Double> errors) {
        return errors.entrySet().stream().max(Map.Entry.comparingByValue());
    }
}
