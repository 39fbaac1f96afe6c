/**
 * Server optimizers on the adapter's pseudo-gradient (Reddi et al., ICLR 2021): {@link
 * io.fedlora.aggregation.server.ServerOptimizer} wraps any strategy whose global adapter keeps its
 * coordinates from round to round and steps it with FedAvgM, FedAdam, FedYogi or FedAdagrad ({@link
 * io.fedlora.aggregation.server.ServerUpdateRule}). Registered by {@link
 * io.fedlora.aggregation.server.ServerOptimizers}.
 */
package io.fedlora.aggregation.server;
