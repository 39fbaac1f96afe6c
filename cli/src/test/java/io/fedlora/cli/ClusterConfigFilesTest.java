package io.fedlora.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fedlora.coordinator.CoordinatorSettings;
import io.fedlora.coordinator.admin.AdminSettings;
import io.fedlora.simulation.ScenarioConfig;
import io.fedlora.transport.aeron.TransportContext;
import io.fedlora.transport.control.ClusterSettings;
import io.fedlora.worker.WorkerSettings;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The example configs in cluster-config/ are what people copy: each must be accepted by the
 * settings classes that read it, name only keys the defaults know (a misspelt key would otherwise
 * be ignored without a word), and the coordinator's and the worker's must agree where the cluster
 * needs them to.
 */
class ClusterConfigFilesTest {

    private static final Path CONFIGS = Path.of("..", "cluster-config");

    private static Config load(String name) {
        return ConfigFiles.load(CONFIGS.resolve(name), Map.of());
    }

    @ParameterizedTest
    @ValueSource(strings = {"coordinator.conf", "worker.conf", "demo.conf"})
    void shouldOnlyNameKeysTheDefaultsKnow(String name) {
        Config file = ConfigFactory.parseFile(CONFIGS.resolve(name).toFile()).resolve();
        Config defaults = ConfigFactory.defaultReference();
        List<String> unknown =
                file.entrySet().stream()
                        .map(Map.Entry::getKey)
                        // Strategy options are the strategy's own (checked when it is built).
                        .filter(k -> !k.startsWith("fedlora.coordinator.strategy.options."))
                        .filter(k -> !defaults.hasPathOrNull(k))
                        .sorted()
                        .toList();
        assertEquals(List.of(), unknown, name + " names keys no module reads");
    }

    @ParameterizedTest
    @CsvSource({
        "coordinator.conf, fedlora.cluster fedlora.transport fedlora.coordinator fedlora.scenario",
        "worker.conf, fedlora.cluster fedlora.transport fedlora.worker fedlora.scenario"
    })
    void shouldDocumentEverySettingOfItsNode(String name, String sections) {
        Config file = ConfigFactory.parseFile(CONFIGS.resolve(name).toFile());
        Config defaults = ConfigFactory.defaultReference();
        List<String> missing =
                Arrays.stream(sections.split(" "))
                        .flatMap(
                                section ->
                                        defaults.getConfig(section).entrySet().stream()
                                                .map(e -> section + "." + e.getKey()))
                        .filter(k -> !k.startsWith("fedlora.coordinator.strategy.options"))
                        .filter(k -> !file.hasPathOrNull(k))
                        .sorted()
                        .toList();
        assertEquals(List.of(), missing, name + " leaves out settings");
    }

    @ParameterizedTest
    @ValueSource(strings = {"coordinator.conf", "worker.conf", "demo.conf"})
    void shouldBeAcceptedByTheSettingsEveryNodeReads(String name) {
        Config c = load(name);

        ClusterSettings cluster = ClusterSettings.fromConfig(c);
        ScenarioConfig.fromConfig(c);
        TransportContext.fromConfig(c);

        assertEquals("fedlora", cluster.systemName());
        assertEquals(1, cluster.seedNodes().size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"coordinator.conf", "demo.conf"})
    void shouldBeAcceptedByTheCoordinatorSettings(String name) {
        Config c = load(name);

        CoordinatorSettings.fromConfig(c);
        AdminSettings.fromConfig(c);
    }

    @ParameterizedTest
    @ValueSource(strings = {"worker.conf", "demo.conf"})
    void shouldBeAcceptedByTheWorkerSettings(String name) {
        WorkerSettings.fromConfig(load(name));
    }

    @Test
    void shouldAgreeBetweenCoordinatorAndWorkerWhereTheClusterNeedsIt() {
        Config coordinator = load("coordinator.conf");
        Config worker = load("worker.conf");

        for (String key :
                List.of(
                        "fedlora.cluster.system-name",
                        "fedlora.cluster.seed-nodes",
                        "fedlora.cluster.join-token",
                        "fedlora.cluster.tls.enabled",
                        "fedlora.scenario",
                        "fedlora.transport.mtu")) {
            assertEquals(coordinator.getValue(key), worker.getValue(key), key);
        }
    }

    @Test
    void shouldKeepTheDemoSmallAndOnLoopback() {
        Config demo = load("demo.conf");

        assertEquals(List.of("127.0.0.1:25520"), demo.getStringList("fedlora.cluster.seed-nodes"));
        assertEquals("127.0.0.1", demo.getString("fedlora.cluster.host"));
        assertEquals(3, demo.getInt("fedlora.scenario.clients"));
        assertEquals(3, demo.getInt("fedlora.coordinator.min-available"));
        assertEquals(3, demo.getInt("fedlora.coordinator.min-fit"));
        assertEquals(1, demo.getInt("fedlora.coordinator.eval-every"));
        assertEquals(4L << 20, demo.getBytes("fedlora.transport.term-length"));
        assertTrue(
                demo.getString("fedlora.coordinator.admin.token").length() >= 8,
                "the demo sets its own admin token");
        assertEquals(
                "runs/cache",
                demo.getString("fedlora.scenario.cache-dir"),
                "the demo shares the base cache of fedlora simulate");
    }
}
