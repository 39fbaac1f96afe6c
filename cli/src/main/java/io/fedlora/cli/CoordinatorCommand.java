package io.fedlora.cli;

import com.typesafe.config.Config;
import io.fedlora.coordinator.Coordinator;
import io.fedlora.coordinator.CoordinatorNode;
import io.fedlora.lora.Adapter;
import io.fedlora.simulation.FeatureDomainScenario;
import io.fedlora.simulation.OpThreads;
import io.fedlora.simulation.ScenarioConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fedlora coordinator}: runs the coordinator of a cluster until its rounds are done. The
 * scenario section of the config gives the model the clients fine-tune; the coordinator builds the
 * initial adapter from it, so workers must use the same scenario.
 */
@Command(
        name = "coordinator",
        mixinStandardHelpOptions = true,
        description = {
            "Run the coordinator of a federated cluster (a Pekko cluster singleton with an admin"
                    + " API), until every round is done or an operator stops it.",
            "A run directory that holds checkpoints is resumed after its last round."
        })
public final class CoordinatorCommand implements Callable<Integer> {

    @Option(
            names = "--config",
            description = "HOCON file (see cluster-config/coordinator.conf); defaults otherwise.")
    Path config;

    @Option(names = "--run-dir", description = "Overrides fedlora.coordinator.run-dir.")
    Path runDir;

    @Option(names = "--rounds", description = "Overrides fedlora.coordinator.rounds.")
    Integer rounds;

    @Option(names = "--http-port", description = "Overrides fedlora.coordinator.admin.port.")
    Integer httpPort;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> overrides = new LinkedHashMap<>();
        if (runDir != null) {
            overrides.put("fedlora.coordinator.run-dir", runDir.toString());
        }
        if (rounds != null) {
            overrides.put("fedlora.coordinator.rounds", rounds);
        }
        if (httpPort != null) {
            overrides.put("fedlora.coordinator.admin.port", httpPort);
        }
        Config c = ConfigFiles.load(config, overrides);
        CoordinatorNode.check(c);
        ScenarioConfig scenarioConfig = ScenarioConfig.fromConfig(c);
        System.out.println("fedlora coordinator: " + scenarioConfig.describe());
        // The models are small: one thread per op pre-trains the base fastest (see OpThreads).
        OpThreads.oneThreadPerOp();
        FeatureDomainScenario scenario = scenarioConfig.prepare(System.out::println);
        Adapter initial = scenarioConfig.initialAdapter(scenario);
        CoordinatorNode node = CoordinatorNode.start(c, initial);
        try {
            Coordinator.Outcome outcome = node.awaitEnd();
            System.out.printf(
                    "fedlora coordinator: %s; %d rounds checkpointed in %s, the global adapter in"
                            + " %s%n",
                    outcome.reason(),
                    outcome.completedRounds(),
                    node.runDir().root(),
                    node.runDir().adapterDir());
            return 0;
        } catch (IllegalStateException e) {
            System.err.println("fedlora: the run failed: " + e.getMessage());
            return 1;
        }
    }
}
