/** JMH benchmarks; each prints a ratio against a baseline measured in the same run. */
package io.fedlora.bench;
