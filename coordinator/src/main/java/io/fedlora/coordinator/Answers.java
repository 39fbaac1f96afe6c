package io.fedlora.coordinator;

import io.fedlora.aggregation.Failure;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Who was asked in a fit round or an evaluation, who has answered (with a result or a failure), and
 * the failures so far. A worker answers once: a result after its failure, or a second failure,
 * changes nothing.
 */
final class Answers {

    /** Nobody asked: before the first round. */
    static final Answers NONE = new Answers(0, List.of());

    private final long round;
    private final List<String> asked;
    private final Set<String> answered = new HashSet<>();
    private final List<Failure> failures = new ArrayList<>();

    Answers(long round, List<String> asked) {
        this.round = round;
        this.asked = List.copyOf(asked);
    }

    boolean wasAsked(String id) {
        return asked.contains(id);
    }

    /** Marks {@code id}'s answer; false when it was not asked or has answered already. */
    boolean answer(String id) {
        return wasAsked(id) && answered.add(id);
    }

    /** Records that {@code id} failed; false (and nothing recorded) when {@link #answer} is. */
    boolean fail(String id, String reason) {
        if (!answer(id)) {
            return false;
        }
        failures.add(new Failure(id, round, reason));
        return true;
    }

    /** Every worker that has not answered fails with {@code reason} (a deadline passed). */
    void failUnanswered(String reason) {
        asked.forEach(id -> fail(id, reason));
    }

    boolean complete() {
        return answered.containsAll(asked);
    }

    List<Failure> failures() {
        return List.copyOf(failures);
    }
}
