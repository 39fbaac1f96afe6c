package io.fedlora.model;

import java.util.List;

/**
 * How LoRA is injected into a model, as in HF PEFT's {@code LoraConfig}.
 *
 * @param rank r, the number of LoRA components per module
 * @param alpha {@code lora_alpha}; the update is scaled by {@code alpha / r}
 * @param dropout {@code lora_dropout}, probability in [0, 1) on the LoRA path's input
 * @param targetModules {@code target_modules}: a linear module is adapted when its dotted name
 *     equals an entry or ends with {@code "." + entry} (so {@code q} matches {@code
 *     blocks.0.attn.q})
 * @param modulesToSave {@code modules_to_save}: linear modules (matched the same way) trained in
 *     full beside the adapter, on a private copy of their base weights
 */
public record LoraConfig(
        int rank,
        double alpha,
        double dropout,
        List<String> targetModules,
        List<String> modulesToSave) {

    public LoraConfig {
        if (rank <= 0) {
            throw new IllegalArgumentException("LoRA rank must be positive, got " + rank);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException(
                    "lora_alpha must be positive and finite, got " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("lora_dropout must be in [0, 1), got " + dropout);
        }
        targetModules = List.copyOf(targetModules);
        modulesToSave = List.copyOf(modulesToSave);
        if (targetModules.isEmpty()) {
            throw new IllegalArgumentException("target_modules is empty");
        }
    }

    /** Matches PEFT's rule for list-valued {@code target_modules}. */
    static boolean matches(String moduleName, String target) {
        return moduleName.equals(target) || moduleName.endsWith("." + target);
    }
}
