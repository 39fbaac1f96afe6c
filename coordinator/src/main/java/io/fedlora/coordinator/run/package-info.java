/**
 * The coordinator's run directory: the run's manifest, one atomically committed checkpoint per
 * round (global adapter, server state, round record, optionally the round's client updates), and
 * the files a person looks at (the current adapter, {@code rounds.csv}, {@code accuracy.svg}).
 */
package io.fedlora.coordinator.run;
