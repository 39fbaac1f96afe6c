package io.fedlora.transport.wire;

/** A peer speaks another version of the wire protocol than this node. */
public final class ProtocolMismatchException extends WireFormatException {
    private final int peerVersion;

    public ProtocolMismatchException(int peerVersion, int ownVersion) {
        super(
                "peer speaks fedlora wire protocol "
                        + peerVersion
                        + " but this node speaks "
                        + ownVersion
                        + "; upgrade one side");
        this.peerVersion = peerVersion;
    }

    public int peerVersion() {
        return peerVersion;
    }
}
