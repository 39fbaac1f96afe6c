package io.fedlora.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class WorkerSettingsTest {

    private static Config config(String hocon) {
        return ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load()).resolve();
    }

    @Test
    void shouldReadTheDefaults() {
        WorkerSettings s = WorkerSettings.fromConfig(config(""));
        assertTrue(
                s.id().endsWith("-" + ProcessHandle.current().pid()),
                "the default id is <hostname>-<pid>: " + s.id());
        assertEquals("cpu", s.device());
        assertEquals(64, s.maxRank());
        assertEquals(32, s.batchSize());
        assertEquals(256, s.evalBatchSize());
        assertEquals(0, s.client());
        assertEquals("127.0.0.1:0", s.dataEndpoint(), "the cluster host, any free port");
        assertEquals(Duration.ofSeconds(1), s.heartbeatInterval());
        assertEquals(Duration.ofSeconds(60), s.adapterWait());
        assertEquals(Duration.ofSeconds(2), s.reconnectBackoff());
        assertEquals("fedlora-dev-token", s.cluster().joinToken());
    }

    @Test
    void shouldReadEveryKey() {
        WorkerSettings s =
                WorkerSettings.fromConfig(
                        config(
                                "fedlora.cluster.host = \"10.0.0.5\"\n"
                                        + "fedlora.worker { id = w7, device = \"cuda:0\","
                                        + " max-rank = 16, batch-size = 8,"
                                        + " eval-batch-size = 100, client = 3,"
                                        + " heartbeat-interval = 250ms, adapter-wait ="
                                        + " 5s, reconnect-backoff = 0s }"));
        assertEquals("w7", s.id());
        assertEquals("cuda:0", s.device());
        assertEquals(16, s.maxRank());
        assertEquals(8, s.batchSize());
        assertEquals(100, s.evalBatchSize());
        assertEquals(3, s.client());
        assertEquals("10.0.0.5:0", s.dataEndpoint());
        assertEquals("10.0.0.5", s.dataHost());
        assertEquals(Duration.ofMillis(250), s.heartbeatInterval());
        assertEquals(Duration.ofSeconds(5), s.adapterWait());
        assertEquals(Duration.ZERO, s.reconnectBackoff());
    }

    @Test
    void shouldRefuseBadValuesInOneLineNamingTheKey() {
        assertRefused("fedlora.worker.max-rank = 0", "fedlora.worker.max-rank");
        assertRefused("fedlora.worker.client = -1", "fedlora.worker.client");
        assertRefused("fedlora.worker.data-endpoint = \"nohost\"", "fedlora.worker.data-endpoint");
        assertRefused("fedlora.worker.data-endpoint = \"h:70000\"", "fedlora.worker.data-endpoint");
        assertRefused("fedlora.worker.heartbeat-interval = 0s", "heartbeat-interval");
        assertRefused("fedlora.worker.batch-size = lots", "batch-size");
        assertRefused("fedlora.cluster.join-token = \"\"", "join-token");
    }

    private static void assertRefused(String hocon, String key) {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> WorkerSettings.fromConfig(config(hocon)));
        assertTrue(e.getMessage().contains(key), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }
}
