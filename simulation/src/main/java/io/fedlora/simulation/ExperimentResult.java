package io.fedlora.simulation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every run of an experiment, in order, with what it was run on. */
public record ExperimentResult(
        String scenario, Experiment.Settings settings, List<RunResult> runs) {

    public ExperimentResult {
        runs = List.copyOf(runs);
    }

    /** Runs grouped by strategy name, in first-seen order. */
    public Map<String, List<RunResult>> byStrategy() {
        Map<String, List<RunResult>> groups = new LinkedHashMap<>();
        for (RunResult r : runs) {
            groups.computeIfAbsent(r.strategy(), k -> new java.util.ArrayList<>()).add(r);
        }
        return groups;
    }
}
