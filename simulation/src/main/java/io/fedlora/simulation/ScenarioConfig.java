package io.fedlora.simulation;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.fedlora.lora.Adapter;
import io.fedlora.model.LoraConfig;
import io.fedlora.model.VitConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The scenario of a cluster run, read from the HOCON block {@code fedlora.scenario} (every key is
 * documented in this module's {@code reference.conf}). Coordinator and workers read the same block,
 * so they agree on the clients' data, the base and the initial adapter.
 *
 * @param name the scenario's name (only {@value #FEATURE_DOMAIN} is known)
 * @param settings the feature-domain scenario's settings
 * @param seed partitions the data between clients and draws the initial adapter
 */
public record ScenarioConfig(String name, FeatureDomainScenario.Settings settings, long seed) {

    /** The feature-domain scenario's name. */
    public static final String FEATURE_DOMAIN = "feature-domain";

    /** Scenario names {@link #fromConfig} accepts. */
    public static final List<String> NAMES = List.of(FEATURE_DOMAIN);

    /** Model names {@link #fromConfig} accepts. */
    public static final List<String> MODELS = List.of("default", "tiny");

    /** The tiny model: a one-block ViT of width 16 (two heads) on 7×7 patches. */
    static final VitConfig TINY_MODEL = new VitConfig(28, 7, 16, 2, 1, 2, 10);

    /** LoRA of the tiny model: rank 2, alpha 4 on q and v, the head saved. */
    static final LoraConfig TINY_LORA =
            new LoraConfig(2, 4, 0.0, List.of("q", "v"), List.of("head"));

    public ScenarioConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(settings, "settings");
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException(unknownName(name));
        }
    }

    /**
     * Reads {@code fedlora.scenario} of {@code config}.
     *
     * @throws IllegalArgumentException (one line, naming the key) for an unknown scenario or model,
     *     a missing or mistyped key, or values the scenario refuses
     */
    public static ScenarioConfig fromConfig(Config config) {
        try {
            Config c = config.getConfig("fedlora.scenario");
            String name = c.getString("name");
            if (!NAMES.contains(name)) {
                throw new IllegalArgumentException(unknownName(name));
            }
            FeatureDomainScenario.Settings d = FeatureDomainScenario.Settings.defaults();
            String dataDir = c.getString("data-dir");
            String model = c.getString("model");
            boolean tiny =
                    switch (model) {
                        case "default" -> false;
                        case "tiny" -> true;
                        default ->
                                throw new IllegalArgumentException(
                                        "fedlora.scenario.model '"
                                                + model
                                                + "' is not known (known: "
                                                + String.join(", ", MODELS)
                                                + ")");
                    };
            FeatureDomainScenario.Settings s =
                    new FeatureDomainScenario.Settings(
                            dataDir.isBlank() ? d.dataDir() : Path.of(dataDir),
                            Path.of(c.getString("cache-dir")),
                            c.getInt("clients"),
                            c.getInt("train-per-client"),
                            c.getInt("test-per-client"),
                            tiny ? TINY_MODEL : d.model(),
                            nonNegative(c, "pretrain-examples"),
                            nonNegative(c, "pretrain-steps"),
                            d.pretrainLearningRate(),
                            d.pretrainBatchSize(),
                            d.pretrainSeed(),
                            tiny ? TINY_LORA : d.lora());
            return new ScenarioConfig(name, s, c.getLong("seed"));
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            if (e.getMessage().startsWith("fedlora.scenario")) {
                throw e;
            }
            throw new IllegalArgumentException("fedlora.scenario: " + e.getMessage(), e);
        }
    }

    private static int nonNegative(Config c, String key) {
        int v = c.getInt(key);
        if (v < 0) {
            throw new IllegalArgumentException(
                    "fedlora.scenario." + key + " must be >= 0, got " + v);
        }
        return v;
    }

    private static String unknownName(String name) {
        return "fedlora.scenario.name '"
                + name
                + "' is not a known scenario (known: "
                + String.join(", ", NAMES)
                + ")";
    }

    /**
     * Loads the data and the base (pre-training it once when the cache does not hold it).
     *
     * @param log told what happens to the base (cache hit, pre-training progress)
     */
    public FeatureDomainScenario prepare(Consumer<String> log) {
        return FeatureDomainScenario.prepare(settings, log);
    }

    /** The run's initial adapter over {@code scenario}'s base: A drawn from {@link #seed()}. */
    public Adapter initialAdapter(FeatureDomainScenario scenario) {
        return InitialAdapter.of(scenario.models(), scenario.baseWeights(), scenario.lora(), seed);
    }

    /** The scenario's clients, their data split by {@link #seed()}. */
    public List<VirtualClient> clients(FeatureDomainScenario scenario) {
        return scenario.clients(seed);
    }

    /** One line for logs: name, model, clients and seed. */
    public String describe() {
        return String.format(
                Locale.ROOT,
                "%s: %d clients × %d training / %d test images, model %s, LoRA rank %d, seed %d",
                name,
                settings.clients(),
                settings.trainPerClient(),
                settings.testPerClient(),
                settings.model(),
                settings.lora().rank(),
                seed);
    }
}
