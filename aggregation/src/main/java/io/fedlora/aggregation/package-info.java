/** The {@code Strategy} contract and the federated LoRA aggregation strategies (issue 3). */
package io.fedlora.aggregation;
