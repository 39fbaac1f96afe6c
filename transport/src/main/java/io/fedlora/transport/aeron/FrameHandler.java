package io.fedlora.transport.aeron;

import java.nio.ByteBuffer;

/** Receives each reassembled, digest-checked message frame. */
@FunctionalInterface
public interface FrameHandler {
    /**
     * @param frame the whole message, position to limit; valid only during the call (copy or decode
     *     before returning)
     * @param sessionId the Aeron session of the sender
     */
    void onFrame(ByteBuffer frame, int sessionId);
}
