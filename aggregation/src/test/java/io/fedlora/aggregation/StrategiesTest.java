package io.fedlora.aggregation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StrategiesTest {

    @Test
    void buildsAStrategyByNameWithItsOptions() {
        Strategy s =
                Strategies.create(
                        new StrategySpec(
                                " FedIT ",
                                Map.of(
                                        "fraction",
                                        "0.5",
                                        "min-clients",
                                        "2",
                                        "weighting",
                                        "uniform")));
        assertEquals("fedit", s.name());
        GlobalModel global = GlobalModel.initial(Fixtures.adapter(1, 2, 2));
        List<ClientInfo> four =
                List.of(
                        new ClientInfo("a", 2, 1),
                        new ClientInfo("b", 2, 1),
                        new ClientInfo("c", 2, 1),
                        new ClientInfo("d", 2, 1));
        assertEquals(2, s.configureFit(1, global, four).size());
    }

    @Test
    void unknownNamesOptionsAndValuesFailWithOneClearLine() {
        IllegalArgumentException name =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Strategies.create(StrategySpec.of("fedsgd")));
        assertTrue(
                name.getMessage().startsWith("unknown strategy fedsgd; known: "),
                name.getMessage());
        assertTrue(name.getMessage().contains("fedit"));

        IllegalArgumentException option =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                Strategies.create(
                                        new StrategySpec("fedit", Map.of("fracton", "0.5"))));
        assertTrue(option.getMessage().contains("has no option fracton"), option.getMessage());

        IllegalArgumentException value =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                Strategies.create(
                                        new StrategySpec("fedit", Map.of("weighting", "size"))));
        assertEquals(
                "strategy fedit: option weighting=size must be one of [examples, uniform]",
                value.getMessage());
    }
}
