package io.fedlora.simulation;

import io.fedlora.aggregation.ClientInfo;
import io.fedlora.data.Dataset;
import java.util.Objects;

/**
 * A simulated client: what it advertises to the strategy ({@link ClientInfo}: id, largest rank,
 * example count, properties), the data it trains on, and its own held-out data for federated
 * evaluation. Data sets are immutable, so clients hold views and nothing is copied.
 */
public record VirtualClient(ClientInfo info, Dataset train, Dataset test) {

    public VirtualClient {
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(test, "test");
        if (train.size() == 0) {
            throw new IllegalArgumentException("client " + info.id() + " has no training data");
        }
        if (info.exampleCount() != train.size()) {
            throw new IllegalArgumentException(
                    "client "
                            + info.id()
                            + " advertises "
                            + info.exampleCount()
                            + " examples but holds "
                            + train.size());
        }
    }

    public String id() {
        return info.id();
    }
}
