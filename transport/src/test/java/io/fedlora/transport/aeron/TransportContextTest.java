package io.fedlora.transport.aeron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

class TransportContextTest {

    @Test
    void shouldReadDefaultsAndOverridesFromHocon() {
        TransportContext defaults = TransportContext.fromConfig(ConfigFactory.load());
        assertEquals(65504, defaults.mtuLength());
        assertEquals(64 << 20, defaults.termLength());
        assertEquals(2 << 20, defaults.socketBufferLength());
        assertEquals(30_000_000_000L, defaults.sendTimeoutNs());
        assertTrue(defaults.embeddedDriver());

        TransportContext tuned =
                TransportContext.fromConfig(
                        ConfigFactory.parseString(
                                        "fedlora.transport { aeron-dir = /dev/shm/x, embedded-driver = false,"
                                                + " term-length = 16MiB, reassembly-timeout = 250ms }")
                                .withFallback(ConfigFactory.load()));
        assertEquals("/dev/shm/x", tuned.aeronDirectoryName());
        assertEquals(16 << 20, tuned.termLength());
        assertEquals(250_000_000L, tuned.reassemblyTimeoutNs());
        assertTrue(!tuned.embeddedDriver());
    }

    @Test
    void shouldNameTheBadKey() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                TransportContext.fromConfig(
                                        ConfigFactory.parseString(
                                                        "fedlora.transport.term-length = 3MiB")
                                                .withFallback(ConfigFactory.load())));
        assertTrue(
                e.getMessage().contains("fedlora.transport.term-length is invalid: 3145728"),
                e.getMessage());
    }
}
