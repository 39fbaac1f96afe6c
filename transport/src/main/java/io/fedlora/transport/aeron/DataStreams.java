package io.fedlora.transport.aeron;

/** Aeron stream ids of the cluster's data plane. */
public final class DataStreams {

    /** Workers' updates ({@code FitResult}) to the coordinator's result endpoint. */
    public static final int RESULTS = 1001;

    /** Global adapters ({@code GlobalAdapter}) from the coordinator to a worker's endpoint. */
    public static final int ADAPTERS = 1002;

    private DataStreams() {}
}
