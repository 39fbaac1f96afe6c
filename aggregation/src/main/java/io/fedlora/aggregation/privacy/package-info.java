/**
 * Central differential privacy: DP-FedAvg as a decorator (clipping, uniform average, Gaussian
 * noise) and a Rényi-DP accountant for the sampled Gaussian mechanism.
 */
package io.fedlora.aggregation.privacy;
