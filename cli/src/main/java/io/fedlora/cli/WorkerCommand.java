package io.fedlora.cli;

import com.typesafe.config.Config;
import io.fedlora.simulation.FeatureDomainScenario;
import io.fedlora.simulation.OpThreads;
import io.fedlora.simulation.ScenarioConfig;
import io.fedlora.worker.LocalClient;
import io.fedlora.worker.WorkerNode;
import io.fedlora.worker.WorkerSettings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fedlora worker}: one worker process of a cluster run. Reads the HOCON file over the
 * defaults of every module, prepares its scenario client (the base is pre-trained once and cached),
 * then joins the coordinator and trains until the run ends.
 */
@Command(
        name = "worker",
        mixinStandardHelpOptions = true,
        description = {
            "Run a worker: join the cluster's coordinator (seed nodes and join token from"
                    + " fedlora.cluster), hold one client of the scenario (fedlora.scenario,"
                    + " fedlora.worker.client), and train and evaluate as instructed until the run"
                    + " ends.",
            "Exit status: 0 when the run finished, 3 when the coordinator refused the join, 1 on"
                    + " an error."
        })
final class WorkerCommand implements Callable<Integer> {

    @Option(
            names = "--config",
            required = true,
            description =
                    "HOCON file (fedlora.cluster, fedlora.worker, fedlora.scenario,"
                            + " fedlora.transport); unset keys take their defaults.")
    Path config;

    @Option(names = "--id", description = "Worker id (overrides fedlora.worker.id).")
    String id;

    @Option(
            names = "--client",
            description = "Scenario client this worker holds (overrides fedlora.worker.client).")
    Integer client;

    @Override
    public Integer call() {
        Map<String, Object> overrides = new LinkedHashMap<>();
        if (id != null) {
            overrides.put("fedlora.worker.id", id);
        }
        if (client != null) {
            overrides.put("fedlora.worker.client", client);
        }
        Config c = ConfigFiles.load(config, overrides);
        ScenarioConfig scenarioConfig = ScenarioConfig.fromConfig(c);
        WorkerSettings settings = WorkerSettings.fromConfig(c);
        int clients = scenarioConfig.settings().clients();
        if (settings.client() >= clients) {
            // Checked before the data is loaded and the base perhaps pre-trained (minutes).
            throw new IllegalArgumentException(
                    "client "
                            + settings.client()
                            + " is not a client of the scenario (it has "
                            + clients
                            + ": 0.."
                            + (clients - 1)
                            + ")");
        }
        System.out.printf(
                Locale.ROOT,
                "fedlora worker %s: client %d of %s%n",
                settings.id(),
                settings.client(),
                scenarioConfig.describe());

        // The models are small: one thread per op runs them fastest (see OpThreads).
        OpThreads.oneThreadPerOp();
        FeatureDomainScenario scenario = scenarioConfig.prepare(System.out::println);
        LocalClient local =
                LocalClient.of(
                        scenarioConfig,
                        scenario,
                        settings.client(),
                        settings.maxRank(),
                        settings.evalBatchSize());
        WorkerNode node = new WorkerNode(c, settings, local);
        Thread hook = new Thread(node::stop, "fedlora-worker-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return node.run();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already exiting; the hook has run
            }
        }
    }
}
