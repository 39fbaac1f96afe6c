package io.fedlora.aggregation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.aggregation.UpdateValidator.Rejection;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class UpdateValidatorTest {

    private final Adapter start = Fixtures.adapter(1, 4, 8);
    private final GlobalModel global = GlobalModel.initial(start);
    private final List<FitInstruction> instructions =
            List.of(
                    new FitInstruction("full", 2, 4, Map.of()),
                    new FitInstruction("half", 2, 2, Map.of()));

    @Test
    void acceptsWellFormedUpdatesAtEachInstructedRank() {
        UpdateValidator v = UpdateValidator.unbounded();
        UpdateValidator.Outcome out =
                v.validate(
                        global,
                        instructions,
                        List.of(
                                Fixtures.result("full", 2, 5, Fixtures.adapter(9, 4, 8)),
                                Fixtures.result(
                                        "half", 2, 5, Fixtures.adapter(9, 4, 8).truncate(2))));
        assertEquals(2, out.accepted().size());
        assertTrue(out.rejected().isEmpty());
        assertTrue(v.counts().isEmpty());
    }

    @Test
    void rejectsEachKindOfBadUpdateWithItsReasonAndCountsIt() {
        UpdateValidator v = new UpdateValidator(100);
        Adapter nan =
                withModule(start, "m0", start.module("m0").a().dup().putScalar(0, 0, Double.NaN));
        Adapter missing =
                new Adapter(
                        Map.of("m0", start.module("m0")),
                        4,
                        8,
                        start.targetModules(),
                        start.modulesToSave());
        Adapter wrongShape =
                withModule(
                        start, "m1", Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.DOUBLE, 4, 3));
        Adapter far = start.scale(1000);
        List<FitInstruction> many =
                List.of(
                        new FitInstruction("nan", 2, 4, Map.of()),
                        new FitInstruction("missing", 2, 4, Map.of()),
                        new FitInstruction("shape", 2, 4, Map.of()),
                        new FitInstruction("rank", 2, 2, Map.of()),
                        new FitInstruction("alpha", 2, 4, Map.of()),
                        new FitInstruction("far", 2, 4, Map.of()),
                        new FitInstruction("late", 3, 4, Map.of()),
                        new FitInstruction("twice", 2, 4, Map.of()),
                        new FitInstruction("broken", 2, 4, Map.of()));
        UpdateHandle unreadable =
                () -> {
                    throw new IllegalStateException("spill file truncated");
                };
        UpdateValidator.Outcome out =
                v.validate(
                        global,
                        many,
                        List.of(
                                Fixtures.result("nan", 2, 1, nan),
                                Fixtures.result("missing", 2, 1, missing),
                                Fixtures.result("shape", 2, 1, wrongShape),
                                Fixtures.result("rank", 2, 1, start),
                                Fixtures.result(
                                        "alpha",
                                        2,
                                        1,
                                        new Adapter(
                                                start.modules(),
                                                4,
                                                16,
                                                start.targetModules(),
                                                start.modulesToSave())),
                                Fixtures.result("far", 2, 1, far),
                                Fixtures.result("late", 2, 1, start),
                                Fixtures.result("twice", 2, 1, start),
                                Fixtures.result("twice", 2, 1, start),
                                Fixtures.result("stranger", 2, 1, start),
                                new FitResult("broken", 2, 1, Map.of(), unreadable)));
        assertEquals(1, out.accepted().size(), "only the first 'twice' is good");
        Map<Rejection, Long> counts = v.counts();
        assertEquals(1L, counts.get(Rejection.NON_FINITE));
        assertEquals(2L, counts.get(Rejection.WRONG_LAYOUT));
        assertEquals(1L, counts.get(Rejection.WRONG_RANK));
        assertEquals(1L, counts.get(Rejection.WRONG_ALPHA));
        assertEquals(1L, counts.get(Rejection.NORM_TOO_LARGE));
        assertEquals(1L, counts.get(Rejection.WRONG_ROUND));
        assertEquals(1L, counts.get(Rejection.DUPLICATE));
        assertEquals(1L, counts.get(Rejection.NOT_INSTRUCTED));
        assertEquals(1L, counts.get(Rejection.UNREADABLE));
        String reasons = out.rejected().toString();
        assertTrue(reasons.contains("m0 has NaN"), reasons);
        assertTrue(reasons.contains("m1.lora_A is [4, 3], expected [4, 7]"), reasons);
        assertTrue(reasons.contains("spill file truncated"), reasons);
        assertTrue(reasons.contains("exceeds the bound 100"), reasons);
    }

    private static Adapter withModule(
            Adapter adapter, String module, org.nd4j.linalg.api.ndarray.INDArray a) {
        Map<String, LoraPair> modules = new LinkedHashMap<>(adapter.modules());
        modules.put(module, new LoraPair(a, adapter.module(module).b()));
        return new Adapter(
                modules,
                adapter.rank(),
                adapter.alpha(),
                adapter.targetModules(),
                adapter.modulesToSave());
    }
}
