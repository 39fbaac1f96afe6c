package io.fedlora.coordinator;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import io.fedlora.aggregation.StrategySpec;
import io.fedlora.codec.TensorCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What the coordinator runs, read from {@code fedlora.coordinator} (every key is documented in this
 * module's {@code reference.conf}).
 *
 * @param runDir checkpoints, the current adapter, rounds.csv and the plot
 * @param rounds fit rounds of the run
 * @param minAvailable admitted workers needed before a round starts
 * @param minFit accepted updates that close a round before every instructed worker answered
 * @param roundTimeout a fit round closes with what it has when this passes
 * @param evalTimeout an evaluation closes with the answers it has when this passes
 * @param evalEvery a federated evaluation after every this many rounds (and after the last and the
 *     initial model); 0: only after the last
 * @param seed the run seed: each worker's training seed is derived from it, its round and its id
 * @param localSteps optimizer steps per client and round
 * @param learningRate the clients' learning rate
 * @param strategy the aggregation strategy by name, with its options
 * @param maxUpdateNorm updates whose Frobenius norm exceeds this are rejected (infinite: no bound)
 * @param dataEndpoint {@code host:port} of the Aeron subscription for updates (port 0: any)
 * @param adapterCodec how global adapters travel (FP32 is bit-exact)
 * @param keepUpdates whether each round's accepted updates are kept in its checkpoint
 * @param workerTimeout heartbeat silence after which a worker counts as lost
 */
public record CoordinatorSettings(
        Path runDir,
        int rounds,
        int minAvailable,
        int minFit,
        Duration roundTimeout,
        Duration evalTimeout,
        int evalEvery,
        long seed,
        int localSteps,
        double learningRate,
        StrategySpec strategy,
        double maxUpdateNorm,
        String dataEndpoint,
        TensorCodec adapterCodec,
        boolean keepUpdates,
        Duration workerTimeout) {

    public CoordinatorSettings {
        Objects.requireNonNull(runDir, "runDir");
        positive("rounds", rounds);
        positive("min-available", minAvailable);
        positive("min-fit", minFit);
        positive("local-steps", localSteps);
        if (evalEvery < 0) {
            throw new IllegalArgumentException(
                    "fedlora.coordinator.eval-every must be >= 0, got " + evalEvery);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException(
                    "fedlora.coordinator.learning-rate must be a positive number, got "
                            + learningRate);
        }
        if (!(maxUpdateNorm > 0)) {
            throw new IllegalArgumentException(
                    "fedlora.coordinator.max-update-norm must be positive, got " + maxUpdateNorm);
        }
    }

    /** Reads {@code fedlora.coordinator} of {@code config}. */
    public static CoordinatorSettings fromConfig(Config config) {
        Config c = config.getConfig("fedlora.coordinator");
        Map<String, String> options = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> e : c.getConfig("strategy.options").entrySet()) {
            options.put(e.getKey(), String.valueOf(e.getValue().unwrapped()));
        }
        String norm = c.getString("max-update-norm").trim().toLowerCase(Locale.ROOT);
        String codec = c.getString("adapter-codec").trim().toUpperCase(Locale.ROOT);
        TensorCodec adapterCodec;
        try {
            adapterCodec = TensorCodec.valueOf(codec);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "fedlora.coordinator.adapter-codec must be FP32, BF16 or INT8, got " + codec);
        }
        return new CoordinatorSettings(
                Path.of(c.getString("run-dir")),
                c.getInt("rounds"),
                c.getInt("min-available"),
                c.getInt("min-fit"),
                c.getDuration("round-timeout"),
                c.getDuration("eval-timeout"),
                c.getInt("eval-every"),
                c.getLong("seed"),
                c.getInt("local-steps"),
                c.getDouble("learning-rate"),
                new StrategySpec(c.getString("strategy.name"), options),
                norm.equals("inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(norm),
                c.getString("data-endpoint"),
                adapterCodec,
                c.getBoolean("keep-updates"),
                c.getDuration("worker-timeout"));
    }

    /** Whether round {@code round} (0 = the initial model) ends with a federated evaluation. */
    public boolean evaluatesAfter(long round) {
        return round == 0 || round == rounds || (evalEvery > 0 && round % evalEvery == 0);
    }

    /** What identifies the run in its directory: a resumed run must match it. */
    public Map<String, String> manifest() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("strategy", strategy.name());
        strategy.options().forEach((k, v) -> m.put("strategy." + k, v));
        m.put("seed", Long.toString(seed));
        m.put("local-steps", Integer.toString(localSteps));
        m.put("learning-rate", Double.toString(learningRate));
        return m;
    }

    private static void positive(String key, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(
                    "fedlora.coordinator." + key + " must be positive, got " + v);
        }
    }
}
