package io.fedlora.transport.aeron;

import static io.fedlora.transport.wire.AdapterAssertions.assertSameMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.codec.TensorCodec;
import io.fedlora.transport.message.AdapterPayload;
import io.fedlora.transport.message.Message;
import io.fedlora.transport.wire.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TransferTest {

    @TempDir Path dir;

    @ParameterizedTest(name = "ipc={0}")
    @ValueSource(booleans = {true, false})
    void shouldDeliverEveryMessageAndMultiChunkAdaptersInOrder(boolean ipc) {
        try (Loopback loop = new Loopback(dir, ipc, 24_001)) {
            TransferSender sender = loop.sender();
            List<Message> sent = new ArrayList<>();
            for (TensorCodec codec : TensorCodec.values()) {
                sent.addAll(Fixtures.everyMessage(codec));
            }
            // About 2.3 MiB in fp32: dozens of 64 KiB chunks, more than half a 4 MiB term.
            Message big =
                    new Message.GlobalAdapter(
                            9,
                            new AdapterPayload(
                                    Fixtures.adapter(11, 8, 16, 1024, 2048), TensorCodec.FP32));
            sent.add(big);
            sent.add(new Message.Heartbeat("after-big", 5));
            for (Message m : sent) {
                sender.send(m);
            }
            Loopback.await(() -> loop.received.size() == sent.size(), "all messages");
            List<Message> got = new ArrayList<>(loop.received);
            for (int i = 0; i < sent.size(); i++) {
                assertSameMessage(sent.get(i), got.get(i));
            }
            assertEquals(0, loop.drops.total(), loop.drops.snapshot().toString());
            assertEquals(0, loop.receiver.pendingTransfers());
            assertTrue(sent.size() >= 38);
        }
    }
}
