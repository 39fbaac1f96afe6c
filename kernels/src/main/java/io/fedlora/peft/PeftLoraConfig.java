package io.fedlora.peft;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The fields of HF PEFT's {@code adapter_config.json} (a {@code LoraConfig}) that fedlora writes
 * and reads, named as PEFT names them.
 *
 * <p>Written: {@code peft_type: "LORA"}, {@code r}, {@code lora_alpha}, {@code target_modules},
 * {@code lora_dropout}, {@code bias: "none"}, {@code modules_to_save} (null when empty), {@code
 * fan_in_fan_out: false}, {@code init_lora_weights: true}, {@code inference_mode}, {@code
 * task_type}, {@code base_model_name_or_path}, {@code revision}, {@code layers_to_transform},
 * {@code layers_pattern}, {@code auto_mapping} (null), {@code rank_pattern} and {@code
 * alpha_pattern} (empty), {@code use_rslora} and {@code use_dora} (false); keys sorted, two-space
 * indent, as PEFT's {@code save_pretrained} does. Fields newer PEFT releases added are left out so
 * that older PEFT versions, which reject unknown keys, still load the file.
 *
 * <p>Read: every field PEFT may write is tolerated; those that change what the tensors mean are
 * either converted ({@code use_rslora: true} scales by {@code alpha / sqrt(r)}, which {@link
 * #effectiveAlpha()} turns into the plain {@code alpha / r} convention) or refused with an
 * "unsupported" error (non-empty {@code rank_pattern} / {@code alpha_pattern}, {@code use_dora},
 * {@code bias} other than "none", {@code fan_in_fan_out}, {@code lora_bias}, {@code
 * layer_replication}).
 *
 * @param r the rank
 * @param loraAlpha {@code lora_alpha} as written (PEFT's default is 8 when absent)
 * @param useRslora whether the scale is {@code alpha / sqrt(r)} instead of {@code alpha / r}
 * @param targetModules module names or suffixes (a single regex string in PEFT becomes one entry)
 * @param modulesToSave names of modules saved in full; empty when PEFT has null
 * @param loraDropout dropout probability on the LoRA path during training
 * @param baseModelNameOrPath the base model's hub id or path, or null
 * @param taskType PEFT's task type (e.g. {@code CAUSAL_LM}), or null
 * @param inferenceMode whether the adapter was saved for inference only
 */
public record PeftLoraConfig(
        int r,
        double loraAlpha,
        boolean useRslora,
        List<String> targetModules,
        List<String> modulesToSave,
        double loraDropout,
        String baseModelNameOrPath,
        String taskType,
        boolean inferenceMode) {

    /** PEFT's {@code LoraConfig.lora_alpha} default. */
    public static final double DEFAULT_LORA_ALPHA = 8;

    private static final ObjectMapper JSON =
            new ObjectMapper()
                    .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** Python's {@code json.dumps(indent=2)} layout: {@code "key": value}, one item a line. */
    private static final DefaultPrettyPrinter PYTHON_STYLE =
            new DefaultPrettyPrinter(
                            Separators.createDefaultInstance()
                                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
                    .withArrayIndenter(new DefaultIndenter("  ", "\n"))
                    .withObjectIndenter(new DefaultIndenter("  ", "\n"));

    public PeftLoraConfig {
        targetModules = List.copyOf(targetModules);
        modulesToSave = List.copyOf(modulesToSave);
    }

    /**
     * The alpha that gives the same update under fedlora's {@code scale = alpha / r}: {@code
     * lora_alpha} itself, or {@code lora_alpha · sqrt(r)} for rsLoRA.
     */
    public double effectiveAlpha() {
        return useRslora ? loraAlpha * Math.sqrt(r) : loraAlpha;
    }

    /** The JSON text of {@code adapter_config.json}, keys sorted, newline-terminated. */
    public String toJson() {
        // PEFT writes keys sorted (json.dumps(sort_keys=True)): they are put in that order here.
        ObjectNode root = JSON.createObjectNode();
        root.putObject("alpha_pattern");
        root.putNull("auto_mapping");
        root.put("base_model_name_or_path", baseModelNameOrPath);
        root.put("bias", "none");
        root.put("fan_in_fan_out", false);
        root.put("inference_mode", inferenceMode);
        root.put("init_lora_weights", true);
        root.putNull("layers_pattern");
        root.putNull("layers_to_transform");
        if (loraAlpha == Math.rint(loraAlpha) && Math.abs(loraAlpha) < 1e15) {
            root.put("lora_alpha", (long) loraAlpha);
        } else {
            root.put("lora_alpha", loraAlpha);
        }
        root.put("lora_dropout", loraDropout);
        if (modulesToSave.isEmpty()) {
            root.putNull("modules_to_save");
        } else {
            ArrayNode m = root.putArray("modules_to_save");
            modulesToSave.forEach(m::add);
        }
        root.put("peft_type", "LORA");
        root.put("r", r);
        root.putObject("rank_pattern");
        root.putNull("revision");
        ArrayNode t = root.putArray("target_modules");
        targetModules.forEach(t::add);
        root.put("task_type", taskType);
        root.put("use_dora", false);
        root.put("use_rslora", useRslora);
        try {
            return JSON.writer(PYTHON_STYLE).writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode adapter_config.json", e);
        }
    }

    /**
     * Parses an {@code adapter_config.json}.
     *
     * @param path the file, for messages
     * @throws SafeTensorsFormatException on malformed JSON, a missing or wrong field, or a feature
     *     fedlora does not support
     */
    public static PeftLoraConfig parse(Path path, byte[] json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            String why =
                    e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.toString();
            throw new SafeTensorsFormatException(path, "not valid JSON (" + why + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new SafeTensorsFormatException(path, "not a JSON object");
        }
        String peftType = text(path, root, "peft_type");
        if (!"LORA".equals(peftType)) {
            throw new SafeTensorsFormatException(
                    path,
                    "peft_type is "
                            + (peftType == null ? "missing" : "\"" + peftType + "\"")
                            + " but only \"LORA\" adapters are supported");
        }
        JsonNode rNode = root.get("r");
        if (rNode == null || !rNode.canConvertToExactIntegral() || rNode.asInt() <= 0) {
            throw new SafeTensorsFormatException(
                    path, "field \"r\" must be a positive integer, got " + rNode);
        }
        int r = rNode.asInt();
        double alpha = number(path, root, "lora_alpha", DEFAULT_LORA_ALPHA);
        double dropout = number(path, root, "lora_dropout", 0.0);
        refuseUnlessEmpty(path, root, "rank_pattern");
        refuseUnlessEmpty(path, root, "alpha_pattern");
        refuseIfTrue(path, root, "use_dora", "DoRA adapters");
        refuseIfTrue(path, root, "fan_in_fan_out", "fan_in_fan_out (Conv1D-style) layers");
        refuseIfTrue(path, root, "lora_bias", "LoRA bias terms");
        String bias = text(path, root, "bias");
        if (bias != null && !bias.equals("none")) {
            throw new SafeTensorsFormatException(
                    path, "unsupported bias \"" + bias + "\": only \"none\" is supported");
        }
        JsonNode replication = root.get("layer_replication");
        if (replication != null && !replication.isNull()) {
            throw new SafeTensorsFormatException(
                    path, "unsupported layer_replication " + replication);
        }
        JsonNode rslora = root.get("use_rslora");
        boolean useRslora = rslora != null && rslora.asBoolean(false);
        JsonNode inference = root.get("inference_mode");
        return new PeftLoraConfig(
                r,
                alpha,
                useRslora,
                strings(path, root, "target_modules"),
                strings(path, root, "modules_to_save"),
                dropout,
                text(path, root, "base_model_name_or_path"),
                text(path, root, "task_type"),
                inference != null && inference.asBoolean(false));
    }

    private static String text(Path path, JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw new SafeTensorsFormatException(
                    path, "field \"" + field + "\" must be a string, got " + n);
        }
        return n.textValue();
    }

    private static double number(Path path, JsonNode root, String field, double absent) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return absent;
        }
        if (!n.isNumber() || !Double.isFinite(n.asDouble())) {
            throw new SafeTensorsFormatException(
                    path, "field \"" + field + "\" must be a finite number, got " + n);
        }
        return n.asDouble();
    }

    /** A list of strings; PEFT also allows a single string (a regex) or null. */
    private static List<String> strings(Path path, JsonNode root, String field) {
        JsonNode n = root.get(field);
        List<String> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (n.isTextual()) {
            out.add(n.textValue());
            return out;
        }
        if (!n.isArray()) {
            throw new SafeTensorsFormatException(
                    path, "field \"" + field + "\" must be a list of strings, got " + n);
        }
        for (JsonNode item : n) {
            if (!item.isTextual()) {
                throw new SafeTensorsFormatException(
                        path, "field \"" + field + "\" must hold only strings, got " + item);
            }
            out.add(item.textValue());
        }
        return out;
    }

    private static void refuseUnlessEmpty(Path path, JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n != null && !n.isNull() && !(n.isObject() && n.isEmpty())) {
            throw new SafeTensorsFormatException(
                    path,
                    "unsupported non-empty "
                            + field
                            + " "
                            + n
                            + ": fedlora adapters have one rank and one alpha");
        }
    }

    private static void refuseIfTrue(Path path, JsonNode root, String field, String what) {
        JsonNode n = root.get(field);
        if (n != null && n.asBoolean(false)) {
            throw new SafeTensorsFormatException(
                    path, "unsupported " + field + ": true (" + what + " are not supported)");
        }
    }

    byte[] toJsonBytes() {
        return toJson().getBytes(StandardCharsets.UTF_8);
    }
}
