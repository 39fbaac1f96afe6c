package io.fedlora.aggregation;

import io.fedlora.lora.Adapter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link Strategy#aggregateFit} returns: the next global adapter, the base update it comes
 * with (FLoRA, FedEx-LoRA), and round metrics such as the aggregation error or the privacy budget
 * spent.
 */
public record FitOutcome(
        Adapter adapter, Optional<BaseUpdate> baseUpdate, Map<String, Double> metrics) {

    public FitOutcome {
        Objects.requireNonNull(adapter, "adapter");
        Objects.requireNonNull(baseUpdate, "baseUpdate");
        metrics = Map.copyOf(metrics);
    }

    public FitOutcome(Adapter adapter, Map<String, Double> metrics) {
        this(adapter, Optional.empty(), metrics);
    }

    /** The same outcome with {@code more} metrics added (later keys win). */
    public FitOutcome withMetrics(Map<String, Double> more) {
        Map<String, Double> all = new LinkedHashMap<>(metrics);
        all.putAll(more);
        return new FitOutcome(adapter, baseUpdate, all);
    }

    /** The same outcome with another adapter (server optimizers, noise). */
    public FitOutcome withAdapter(Adapter replacement) {
        return new FitOutcome(replacement, baseUpdate, metrics);
    }
}
