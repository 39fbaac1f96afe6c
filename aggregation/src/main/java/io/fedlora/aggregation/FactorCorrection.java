package io.fedlora.aggregation;

import io.fedlora.lora.LoraPair;
import java.util.Map;

/**
 * A server-side correction of an averaged pair, applied module by module after the factors were
 * averaged (LoRA-FAIR's {@code ΔB}). It sees the clients of the round through {@link
 * ModuleClients}, whose ideal update is {@code Σ cᵢ·Bᵢ·Aᵢ} in the averaged adapter's scale, and
 * returns the pair the next round starts from. Implementations work on factors only: an {@code out
 * × in} matrix is never formed.
 */
public interface FactorCorrection {

    /** No correction: the averaged pair as it is. */
    FactorCorrection NONE =
            new FactorCorrection() {
                @Override
                public String name() {
                    return "none";
                }

                @Override
                public Corrected correct(LoraPair averaged, ModuleClients clients) {
                    return new Corrected(averaged, Map.of());
                }
            };

    /** A short name for reports, e.g. {@code lora-fair}. */
    String name();

    /** The corrected pair of one module, and per-module diagnostics (e.g. solver iterations). */
    Corrected correct(LoraPair averaged, ModuleClients clients);

    /** A corrected pair and its diagnostics, name → value. */
    record Corrected(LoraPair pair, Map<String, Double> diagnostics) {
        public Corrected {
            diagnostics = Map.copyOf(diagnostics);
        }
    }
}
