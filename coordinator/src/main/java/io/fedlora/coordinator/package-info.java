/**
 * The Pekko coordinator: round state machine, worker registry, checkpoints, admin API (issue 5).
 */
package io.fedlora.coordinator;
