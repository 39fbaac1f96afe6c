package io.fedlora.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.aggregation.FitInstruction;
import io.fedlora.aggregation.TrainOptions;
import io.fedlora.train.TrainConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InstructionOptionsTest {

    private static TrainConfig apply(int rank, Map<String, String> options) {
        return InstructionOptions.apply(
                new FitInstruction("c0", 1, rank, options), new TrainConfig());
    }

    @Test
    void shouldSetTheProximalTermAndTheNestedRank() {
        TrainConfig c =
                apply(
                        8,
                        Map.of(
                                TrainOptions.PROXIMAL_MU, "0.25",
                                TrainOptions.NESTED_RANK_MAX, "8",
                                TrainOptions.FREEZE_A, "false"));
        assertEquals(0.25, c.proximalMu());
        assertEquals(8, c.nestedRankMax());
        assertFalse(c.freezeLoraA());
        assertTrue(apply(8, Map.of(TrainOptions.FREEZE_A, "true")).freezeLoraA());
    }

    @Test
    void shouldRefuseWhatTheClientsCannotHonour() {
        assertRefused(8, TrainOptions.FREEZE_A, "maybe", "true or false");
        assertRefused(4, TrainOptions.NESTED_RANK_MAX, "5", "in 1..4");
        assertRefused(4, TrainOptions.NESTED_RANK_MAX, "x", "an integer");
        assertRefused(4, TrainOptions.PROXIMAL_MU, "-1", ">= 0");
        assertRefused(4, "server-lr", "1", "not understood by fedlora clients");
    }

    private static void assertRefused(int rank, String key, String value, String reason) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> apply(rank, Map.of(key, value)));
        assertTrue(e.getMessage().contains(key), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }
}
