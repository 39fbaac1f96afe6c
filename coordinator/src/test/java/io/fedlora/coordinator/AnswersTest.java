package io.fedlora.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.aggregation.Failure;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnswersTest {

    @Test
    void eachAskedWorkerAnswersOnceWithAResultOrAFailure() {
        Answers a = new Answers(4, List.of("w1", "w2", "w3"));
        assertFalse(a.answer("stranger"));
        assertFalse(a.fail("stranger", "lost"));
        assertTrue(a.answer("w1"));
        assertFalse(a.fail("w1", "lost after its result"));
        assertTrue(a.fail("w2", "fit-failed: out of memory"));
        assertFalse(a.answer("w2"));
        assertFalse(a.complete());
        a.failUnanswered("no update within 10m");
        assertTrue(a.complete());
        assertEquals(
                List.of(
                        new Failure("w2", 4, "fit-failed: out of memory"),
                        new Failure("w3", 4, "no update within 10m")),
                a.failures());
    }
}
