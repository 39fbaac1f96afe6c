package io.fedlora.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fedlora.aggregation.StrategySpec;
import io.fedlora.lora.Adapter;
import io.fedlora.peft.PeftAdapterFiles;
import io.fedlora.peft.PeftWriteOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fedlora aggregate}: one round of a strategy over PEFT adapters on disk, written as a PEFT
 * adapter with a report of how far the aggregate is from the update the inputs hold.
 */
@Command(
        name = "aggregate",
        mixinStandardHelpOptions = true,
        description = {
            "Aggregate PEFT LoRA adapters with a federated strategy (one round) and write the result"
                    + " as a PEFT adapter, with aggregation_report.json: per module the relative"
                    + " error ‖Σ pᵢsᵢBᵢAᵢ − B'A'‖/‖Σ pᵢsᵢBᵢAᵢ‖ of the aggregate.",
            "Strategies that change the base model (FLoRA, FedEx-LoRA) also return a base update;"
                    + " it is written to DIR/base_update/ as a second PEFT adapter (scale 1):"
                    + " merge it into the base first, then load the adapter in DIR."
        })
final class AggregateCommand implements Callable<Integer> {

    static final String REPORT_FILE = "aggregation_report.json";
    static final String BASE_UPDATE_DIR = "base_update";

    @Option(names = "--strategy", required = true, description = "Strategy name (e.g. fedit).")
    String strategy;

    @Option(
            names = "--weights",
            split = ",",
            description =
                    "Each adapter's example count, in order (default: 1 each, a uniform average).")
    List<Long> weights = new ArrayList<>();

    @Option(
            names = "--option",
            description = "A strategy option key=value (repeatable), e.g. --option lambda=0.01.")
    List<String> options = new ArrayList<>();

    @Option(names = "--out", required = true, description = "Directory for the result.")
    Path out;

    @Parameters(
            arity = "1..*",
            paramLabel = "ADAPTER_DIR",
            description = "PEFT adapter directories; the first is the reference layout.")
    List<Path> adapters;

    @Override
    public Integer call() throws IOException {
        StrategySpec spec = StrategyOptions.specs(List.of(strategy), options).get(0);
        List<OneShotAggregation.Input> inputs = OneShotAggregation.read(adapters, weights);
        OneShotAggregation.Result r = OneShotAggregation.run(spec, inputs);

        Files.createDirectories(out);
        Adapter aggregate = r.outcome().adapter();
        PeftAdapterFiles.write(out, aggregate, PeftWriteOptions.defaults());
        Path baseUpdate = null;
        if (r.outcome().baseUpdate().isPresent()) {
            baseUpdate = out.resolve(BASE_UPDATE_DIR);
            PeftAdapterFiles.write(
                    baseUpdate,
                    OneShotAggregation.baseUpdateAsAdapter(
                            r.outcome().baseUpdate().get(), aggregate.targetModules()),
                    PeftWriteOptions.defaults());
        }
        new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(out.resolve(REPORT_FILE).toFile(), report(r, baseUpdate));

        double max = r.errors().values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
        System.out.printf(
                Locale.ROOT,
                "fedlora aggregate: %s over %d adapters -> %s (rank %d, alpha %s)%n",
                r.strategy(),
                inputs.size(),
                out,
                aggregate.rank(),
                Double.toString(aggregate.alpha()));
        OneShotAggregation.worst(r.errors())
                .ifPresent(
                        w ->
                                System.out.printf(
                                        Locale.ROOT,
                                        "  relative error of the aggregate: max %.4g (%s), %d"
                                                + " modules%n",
                                        max,
                                        w.getKey(),
                                        r.errors().size()));
        if (baseUpdate != null) {
            System.out.println(
                    "  base update written to "
                            + baseUpdate
                            + " (merge it into the base before loading the adapter)");
        }
        System.out.println("  report: " + out.resolve(REPORT_FILE));
        return 0;
    }

    private static Map<String, Object> report(OneShotAggregation.Result r, Path baseUpdate) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("strategy", r.strategy());
        json.put("options", r.options());
        List<Object> clients = new ArrayList<>();
        for (int i = 0; i < r.inputs().size(); i++) {
            OneShotAggregation.Input in = r.inputs().get(i);
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("adapter", in.dir().toString());
            c.put("rank", in.adapter().rank());
            c.put("lora_alpha", in.adapter().alpha());
            c.put("weight", in.weight());
            c.put("p", r.p()[i]);
            clients.add(c);
        }
        json.put("clients", clients);
        json.put("weights", r.inputs().stream().map(OneShotAggregation.Input::weight).toList());
        json.put("rank", r.outcome().adapter().rank());
        json.put("lora_alpha", r.outcome().adapter().alpha());
        json.put("relative_error", r.errors());
        json.put(
                "max_relative_error",
                r.errors().values().stream().mapToDouble(Double::doubleValue).max().orElse(0));
        json.put("metrics", r.outcome().metrics());
        json.put("base_update", baseUpdate == null ? null : baseUpdate.toString());
        return json;
    }
}
