package io.fedlora.aggregation;

import io.fedlora.lora.LoraPair;
import java.util.List;

/**
 * One module's view of a round's client updates: pair {@code i} comes from {@code updates[i]}
 * (loaded on demand, so a two-pass correction re-reads spilled updates instead of holding them),
 * and the ideal update is {@code Σ coefficients[i]·Bᵢ·Aᵢ}. The coefficients fold each client's
 * weight and LoRA scale into the scale of the adapter being built: {@code cᵢ = pᵢ·sᵢ / s}. Client
 * ranks may differ.
 */
public record ModuleClients(String module, List<UpdateHandle> updates, double[] coefficients) {

    public ModuleClients {
        updates = List.copyOf(updates);
        if (coefficients.length != updates.size()) {
            throw new IllegalArgumentException(
                    coefficients.length + " coefficients for " + updates.size() + " updates");
        }
        coefficients = coefficients.clone();
    }

    public int size() {
        return updates.size();
    }

    /** Client {@code i}'s pair for this module. */
    public LoraPair pair(int i) {
        return updates.get(i).module(module);
    }

    public double coefficient(int i) {
        return coefficients[i];
    }
}
