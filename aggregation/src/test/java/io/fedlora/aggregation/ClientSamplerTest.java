package io.fedlora.aggregation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientSamplerTest {

    private static List<ClientInfo> clients(int n) {
        List<ClientInfo> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new ClientInfo(String.format("c%03d", i), 8, 10));
        }
        return out;
    }

    @Test
    void takesTheFractionRoundedUpButAtLeastTheMinimum() {
        assertEquals(3, new ClientSampler(0.1, 1, 0).sample(1, clients(25)).size());
        assertEquals(5, new ClientSampler(0.1, 5, 0).sample(1, clients(25)).size());
        assertEquals(25, new ClientSampler(1.0, 1, 0).sample(1, clients(25)).size());
        assertTrue(new ClientSampler(0.5, 30, 0).sample(1, clients(25)).isEmpty());
    }

    @Test
    void theSameRoundAndSeedPickTheSameClientsWhateverTheArrivalOrder() {
        ClientSampler s = new ClientSampler(0.2, 1, 42);
        List<ClientInfo> shuffled = new ArrayList<>(clients(50));
        Collections.shuffle(shuffled, new java.util.Random(3));
        assertEquals(s.sample(7, clients(50)), s.sample(7, shuffled));
        assertNotEquals(s.sample(7, clients(50)), s.sample(8, clients(50)));
    }

    @Test
    void everyClientIsPickedAboutEquallyOften() {
        ClientSampler s = new ClientSampler(0.1, 1, 1);
        Map<String, Integer> picks = new HashMap<>();
        int rounds = 4000;
        for (int r = 0; r < rounds; r++) {
            s.sample(r, clients(20)).forEach(c -> picks.merge(c.id(), 1, Integer::sum));
        }
        // Each round picks 2 of 20: expected 400 picks per client, sd ≈ 19.
        for (int count : picks.values()) {
            assertEquals(400, count, 80);
        }
        assertEquals(20, picks.size());
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new ClientSampler(0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new ClientSampler(1.5, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new ClientSampler(0.5, 0, 0));
    }
}
