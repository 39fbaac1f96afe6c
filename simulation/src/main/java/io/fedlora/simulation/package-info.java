/** Simulated federated runs with virtual clients in one JVM. */
package io.fedlora.simulation;
