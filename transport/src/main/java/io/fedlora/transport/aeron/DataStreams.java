package io.fedlora.transport.aeron;

/**
 * Aeron stream ids of the data plane, shared by coordinator and workers: a worker subscribes to
 * {@link #ADAPTERS} at the adapter endpoint it advertises, the coordinator to {@link #RESULTS} at
 * the result endpoint it names in {@code JoinAccepted}. Distinct ids keep the two kinds of traffic
 * apart even when both ends share a host and port range.
 */
public final class DataStreams {

    /** Global adapters, coordinator → worker ({@code GlobalAdapter}). */
    public static final int ADAPTERS = 2001;

    /** Trained updates, worker → coordinator ({@code FitResult}). */
    public static final int RESULTS = 2002;

    private DataStreams() {}
}
