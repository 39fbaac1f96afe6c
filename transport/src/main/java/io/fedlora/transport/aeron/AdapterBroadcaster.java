package io.fedlora.transport.aeron;

import io.fedlora.transport.message.Message;

/**
 * Broadcasts global adapters over one multi-destination-cast (or multicast) publication, see {@link
 * TransportContext#broadcastPublicationChannel}: each version is encoded and written to the
 * publication once, whatever the number of workers, and a version already sent is not sent again.
 * Not thread-safe.
 */
public final class AdapterBroadcaster {
    private final TransferSender sender;
    private long lastVersion = Long.MIN_VALUE;

    public AdapterBroadcaster(TransferSender sender) {
        this.sender = sender;
    }

    /** Sends {@code global} unless its version was the last one sent; returns whether it sent. */
    public boolean broadcast(Message.GlobalAdapter global) {
        if (global.version() == lastVersion) {
            return false;
        }
        sender.send(global);
        lastVersion = global.version();
        return true;
    }
}
