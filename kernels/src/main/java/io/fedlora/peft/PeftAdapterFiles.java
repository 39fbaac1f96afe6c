package io.fedlora.peft;

import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reads and writes an {@link Adapter} as a HF PEFT adapter directory, so that PEFT, vLLM and other
 * LoRA servers load what fedlora produces and fedlora can start from theirs.
 *
 * <p>The directory holds two files:
 *
 * <ul>
 *   <li>{@code adapter_model.safetensors}, metadata {@code {"format": "pt"}} (transformers refuses
 *       safetensors files without it), with {@code base_model.model.<module>.lora_A.weight} ({@code
 *       r × in}) and {@code base_model.model.<module>.lora_B.weight} ({@code out × r}) per module.
 *       A {@code modules_to_save} tensor named {@code <module>.<param>} (e.g. {@code head.weight})
 *       is stored as {@code base_model.model.<module>.<param>}: PEFT's {@code
 *       get_peft_model_state_dict} saves the state dict of the wrapper's copy under the wrapped
 *       module's own name, dropping the {@code modules_to_save.<adapter>} part of the in-memory
 *       key, just as it drops the adapter name from {@code lora_A.<adapter>.weight}.
 *   <li>{@code adapter_config.json}: see {@link PeftLoraConfig}; {@code modules_to_save} lists the
 *       distinct {@code <module>} parts of the saved tensors.
 * </ul>
 *
 * <p>Reading tolerates variants found in files made by other tools: keys without the {@code
 * base_model.model.} prefix, keys that keep an adapter name ({@code lora_A.default.weight}) or the
 * in-memory {@code modules_to_save.<adapter>.} segment (PEFT's own {@code save_pretrained} strips
 * both in every version, as its maintainers confirm in huggingface/peft#1579; such keys come from
 * raw {@code model.state_dict()} dumps and trainer checkpoints), F16/BF16/F64 tensors (read as
 * FLOAT, F64 as DOUBLE), a regex string as {@code target_modules}, and rsLoRA (folded into alpha).
 * Anything that would change the adapter's meaning if ignored is refused with a one-line {@link
 * SafeTensorsFormatException}.
 *
 * <p>Each file is written atomically (temporary file, then rename), the weights first and the
 * config last, so a crash never leaves a half-written file.
 */
public final class PeftAdapterFiles {

    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    public static final String CONFIG_FILE = "adapter_config.json";

    /** The prefix {@code PeftModel} puts before the base model's module paths. */
    public static final String KEY_PREFIX = "base_model.model.";

    private static final Pattern LORA_KEY =
            Pattern.compile("^(.+)\\.lora_([AB])(?:\\.([^.]+))?\\.weight$");
    private static final Pattern IN_MEMORY_MODULES_TO_SAVE =
            Pattern.compile("\\.modules_to_save\\.[^.]+\\.");

    private PeftAdapterFiles() {}

    /** The safetensors key of a module's {@code lora_A} ({@code a = true}) or {@code lora_B}. */
    public static String loraKey(String module, boolean a) {
        return KEY_PREFIX + module + (a ? ".lora_A.weight" : ".lora_B.weight");
    }

    /** The safetensors key of a {@code modules_to_save} tensor such as {@code head.weight}. */
    public static String moduleToSaveKey(String tensorName) {
        return KEY_PREFIX + tensorName;
    }

    /**
     * Writes {@code adapter} into {@code dir} (created if missing), replacing both files.
     *
     * @throws IllegalArgumentException if a modules_to_save tensor name has no module part
     * @throws SafeTensorsFormatException if a file cannot be written
     */
    public static void write(Path dir, Adapter adapter, PeftWriteOptions options) {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, LoraPair> e : adapter.modules().entrySet()) {
            tensors.put(loraKey(e.getKey(), true), e.getValue().a());
            tensors.put(loraKey(e.getKey(), false), e.getValue().b());
        }
        Set<String> savedModules = new LinkedHashSet<>();
        for (Map.Entry<String, INDArray> e : adapter.modulesToSave().entrySet()) {
            savedModules.add(moduleOf(e.getKey()));
            String key = moduleToSaveKey(e.getKey());
            if (tensors.put(key, e.getValue()) != null) {
                throw new IllegalArgumentException(
                        "modules_to_save tensor " + e.getKey() + " collides with a LoRA factor");
            }
        }
        PeftLoraConfig config =
                new PeftLoraConfig(
                        adapter.rank(),
                        adapter.alpha(),
                        false,
                        adapter.targetModules(),
                        new ArrayList<>(savedModules),
                        options.loraDropout(),
                        options.baseModelNameOrPath(),
                        options.taskType(),
                        options.inferenceMode());
        SafeTensors.write(
                dir.resolve(WEIGHTS_FILE), tensors, Map.of("format", "pt"), options.storage());
        Path configPath = dir.resolve(CONFIG_FILE);
        try {
            byte[] json = config.toJsonBytes();
            AtomicFiles.write(configPath, ch -> ch.write(ByteBuffer.wrap(json)));
        } catch (IOException e) {
            throw new SafeTensorsFormatException(
                    configPath, "the file could not be written (" + e + ")", e);
        }
    }

    /** Reads only {@code adapter_config.json} of an adapter directory. */
    public static PeftLoraConfig readConfig(Path dir) {
        requireDirectory(dir);
        Path configPath = dir.resolve(CONFIG_FILE);
        try {
            return PeftLoraConfig.parse(configPath, Files.readAllBytes(configPath));
        } catch (NoSuchFileException e) {
            throw new SafeTensorsFormatException(
                    dir, "the adapter directory has no " + CONFIG_FILE, e);
        } catch (IOException e) {
            throw new SafeTensorsFormatException(
                    configPath, "the file could not be read (" + e + ")", e);
        }
    }

    /**
     * Reads an adapter directory; rank and alpha come from the config, module order from the
     * weights file.
     *
     * @throws SafeTensorsFormatException for a missing file, a malformed or unsupported config or
     *     weights file, a module with only one factor, factors whose shapes disagree with {@code
     *     r}, or a tensor that is neither a LoRA factor nor under {@code modules_to_save}
     */
    public static Adapter read(Path dir) {
        PeftLoraConfig config = readConfig(dir);
        Path weightsPath = dir.resolve(WEIGHTS_FILE);
        if (!Files.exists(weightsPath)) {
            String hint =
                    Files.exists(dir.resolve("adapter_model.bin"))
                            ? " (it has adapter_model.bin, a PyTorch pickle, which is not read:"
                                    + " convert it to safetensors)"
                            : "";
            throw new SafeTensorsFormatException(
                    dir, "the adapter directory has no " + WEIGHTS_FILE + hint);
        }
        SafeTensorsFile file = SafeTensors.read(weightsPath);
        Map<String, INDArray[]> factors = new LinkedHashMap<>();
        Map<String, INDArray> modulesToSave = new LinkedHashMap<>();
        String adapterName = null;
        for (Map.Entry<String, INDArray> t : file.tensors().entrySet()) {
            String key = t.getKey();
            String name = key.startsWith(KEY_PREFIX) ? key.substring(KEY_PREFIX.length()) : key;
            Matcher m = LORA_KEY.matcher(name);
            if (m.matches()) {
                String keyAdapter = m.group(3);
                if (keyAdapter != null) {
                    if (adapterName != null && !adapterName.equals(keyAdapter)) {
                        throw new SafeTensorsFormatException(
                                weightsPath,
                                "the file holds several adapters ("
                                        + adapterName
                                        + " and "
                                        + keyAdapter
                                        + "); one adapter per directory is supported");
                    }
                    adapterName = keyAdapter;
                }
                INDArray[] pair = factors.computeIfAbsent(m.group(1), k -> new INDArray[2]);
                int slot = m.group(2).equals("A") ? 0 : 1;
                if (pair[slot] != null) {
                    throw new SafeTensorsFormatException(
                            weightsPath, "module " + m.group(1) + " has two lora_" + m.group(2));
                }
                pair[slot] = t.getValue();
                continue;
            }
            String saved = IN_MEMORY_MODULES_TO_SAVE.matcher(name).replaceFirst(".");
            if (savedUnder(saved, config.modulesToSave())) {
                modulesToSave.put(saved, t.getValue());
            } else if (name.contains("lora_")) {
                throw new SafeTensorsFormatException(
                        weightsPath,
                        "unsupported LoRA tensor "
                                + key
                                + ": only lora_A.weight and lora_B.weight of linear layers are"
                                + " supported");
            } else {
                throw new SafeTensorsFormatException(
                        weightsPath,
                        "tensor "
                                + key
                                + " is neither a LoRA factor nor under modules_to_save "
                                + config.modulesToSave());
            }
        }
        Map<String, LoraPair> modules = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray[]> e : factors.entrySet()) {
            modules.put(e.getKey(), pair(weightsPath, e.getKey(), e.getValue(), config.r()));
        }
        if (modules.isEmpty()) {
            throw new SafeTensorsFormatException(weightsPath, "the file holds no LoRA factors");
        }
        try {
            return new Adapter(
                    modules,
                    config.r(),
                    config.effectiveAlpha(),
                    config.targetModules(),
                    modulesToSave);
        } catch (IllegalArgumentException e) {
            throw new SafeTensorsFormatException(dir, e.getMessage(), e);
        }
    }

    private static LoraPair pair(Path path, String module, INDArray[] ab, int r) {
        if (ab[0] == null || ab[1] == null) {
            throw new SafeTensorsFormatException(
                    path,
                    "module "
                            + module
                            + " has lora_"
                            + (ab[0] == null ? "B" : "A")
                            + " but no lora_"
                            + (ab[0] == null ? "A" : "B"));
        }
        INDArray a = ab[0];
        INDArray b = ab[1];
        if (a.rank() != 2 || a.rows() != r) {
            throw new SafeTensorsFormatException(
                    path,
                    "module "
                            + module
                            + " has lora_A of shape "
                            + Arrays.toString(a.shape())
                            + " but the config's r = "
                            + r
                            + " needs r × in");
        }
        if (b.rank() != 2 || b.columns() != r) {
            throw new SafeTensorsFormatException(
                    path,
                    "module "
                            + module
                            + " has lora_B of shape "
                            + Arrays.toString(b.shape())
                            + " but the config's r = "
                            + r
                            + " needs out × r");
        }
        return new LoraPair(a, b);
    }

    /** PEFT matches modules_to_save entries against module paths by suffix. */
    private static boolean savedUnder(String tensorName, List<String> modulesToSave) {
        int dot = tensorName.lastIndexOf('.');
        if (dot <= 0) {
            return false;
        }
        String module = tensorName.substring(0, dot);
        for (String m : modulesToSave) {
            if (module.equals(m) || module.endsWith("." + m)) {
                return true;
            }
        }
        return false;
    }

    private static String moduleOf(String tensorName) {
        int dot = tensorName.lastIndexOf('.');
        if (dot <= 0 || dot == tensorName.length() - 1) {
            throw new IllegalArgumentException(
                    "modules_to_save tensor name \""
                            + tensorName
                            + "\" must be <module>.<parameter>, e.g. head.weight");
        }
        return tensorName.substring(0, dot);
    }

    private static void requireDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new SafeTensorsFormatException(
                    dir,
                    Files.exists(dir)
                            ? "not a directory (an adapter is a directory)"
                            : "the adapter directory does not exist");
        }
    }
}
