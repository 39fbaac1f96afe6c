package io.fedlora.coordinator.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

class AdminSettingsTest {

    @Test
    void shouldReadHostPortAndTokenOverTheDefaults() {
        AdminSettings s =
                AdminSettings.fromConfig(
                        ConfigFactory.parseString(
                                        "fedlora.coordinator.admin { port = 0, token = t0k }")
                                .withFallback(ConfigFactory.defaultReference()));

        assertEquals("127.0.0.1", s.host());
        assertEquals(0, s.port());
        assertEquals("t0k", s.token());
        assertFalse(s.toString().contains("t0k"), "the token must not reach logs: " + s);
    }

    @Test
    void shouldRefuseAnEmptyTokenAndABadPort() {
        IllegalArgumentException empty =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> new AdminSettings("127.0.0.1", 8080, " "));
        assertTrue(empty.getMessage().contains("fedlora.coordinator.admin.token"));
        IllegalArgumentException port =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> new AdminSettings("127.0.0.1", 70000, "t"));
        assertTrue(port.getMessage().contains("70000"));
    }

    @Test
    void shouldAcceptOnlyTheExactBearerToken() {
        BearerToken token = new BearerToken("abc");
        assertTrue(token.accepts(java.util.Optional.of("Bearer abc")));
        assertTrue(token.accepts(java.util.Optional.of("bearer abc")), "the scheme is case-blind");
        assertFalse(token.accepts(java.util.Optional.of("Bearer abcd")));
        assertFalse(token.accepts(java.util.Optional.of("Bearer ABC")));
        assertFalse(token.accepts(java.util.Optional.of("abc")));
        assertFalse(token.accepts(java.util.Optional.empty()));
    }
}
