package io.fedlora.transport.aeron;

import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.fedlora.transport.message.Message;
import io.fedlora.transport.wire.MessageCodec;
import io.fedlora.transport.wire.PooledMessage;
import io.fedlora.transport.wire.ProtocolMismatchException;
import io.fedlora.transport.wire.TensorPool;
import io.fedlora.transport.wire.WireFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;

/**
 * Reassembles the chunked transfers of any number of senders on one subscription and hands each
 * complete, checked message on. An {@link Agent}: run it on an {@code AgentRunner} or call {@link
 * #doWork()} from a loop of your own.
 *
 * <p>Every bad input is dropped with a logged reason and a count in {@link #drops()}, and the
 * receiver goes on serving other transfers: frames that are not chunks, chunks of another protocol
 * version, chunks whose CRC32C fails, transfers announcing more than {@link
 * TransportContext#maxMessageBytes()} or overflowing {@link TransportContext#maxPendingBytes()},
 * missing chunks (Aeron delivers a session's frames in order, so a gap means the sender lost them),
 * a whole-message digest mismatch, transfers idle past the reassembly timeout, and intact bytes
 * that do not decode.
 */
public final class TransferReceiver implements Agent, FragmentHandler {

    private record Key(int sessionId, long transferId) {}

    /** One unfinished transfer: its buffer and how many bytes have arrived, in order. */
    private static final class Partial {
        final ByteBuffer data;
        final int messageCrc;
        int received;
        long lastChunkNs;

        Partial(ByteBuffer data, int messageCrc, long now) {
            this.data = data;
            this.messageCrc = messageCrc;
            this.lastChunkNs = now;
        }
    }

    private final Subscription subscription;
    private final FrameHandler handler;
    private final DropCounters drops;
    private final int maxMessageBytes;
    private final long maxPendingBytes;
    private final long timeoutNs;
    private final int fragmentLimit;
    private final Map<Key, Partial> partials = new HashMap<>();

    /**
     * Transfers dropped recently: their later chunks are ignored quietly, so one bad transfer
     * counts once. Bounded, oldest forgotten first.
     */
    private final Map<Key, Boolean> abandoned =
            new LinkedHashMap<>() {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Key, Boolean> eldest) {
                    return size() > 1024;
                }
            };

    private final ByteBuffer header =
            ByteBuffer.allocateDirect(ChunkHeader.LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    private final int protocolVersion;
    private long pendingBytes;
    private long delivered;
    private ByteBuffer spare;
    private long lastSweepNs = System.nanoTime();

    public TransferReceiver(
            Subscription subscription,
            FrameHandler handler,
            DropCounters drops,
            TransportContext ctx,
            int protocolVersion) {
        this.subscription = subscription;
        this.handler = handler;
        this.drops = drops;
        this.maxMessageBytes = ctx.maxMessageBytes();
        this.maxPendingBytes = ctx.maxPendingBytes();
        this.timeoutNs = ctx.reassemblyTimeoutNs();
        this.fragmentLimit = ctx.fragmentLimit();
        this.protocolVersion = protocolVersion;
    }

    /**
     * A receiver that decodes each frame with {@code codec} and passes the message and the sender's
     * session id to {@code onMessage}; frames that fail to decode are counted as {@link
     * DropReason#UNDECODABLE} or {@link DropReason#PROTOCOL_VERSION}.
     */
    public static TransferReceiver forMessages(
            Subscription subscription,
            MessageCodec codec,
            DropCounters drops,
            TransportContext ctx,
            BiConsumer<Message, Integer> onMessage) {
        return decoding(subscription, codec, drops, ctx, codec::decode, onMessage);
    }

    /**
     * As {@link #forMessages}, but tensors are decoded into arrays taken from {@code pool}: the
     * receiver of each {@link PooledMessage} closes it when done with the message, which gives its
     * arrays back for the next transfer of the same layout.
     */
    public static TransferReceiver forPooledMessages(
            Subscription subscription,
            MessageCodec codec,
            TensorPool pool,
            DropCounters drops,
            TransportContext ctx,
            BiConsumer<PooledMessage, Integer> onMessage) {
        return decoding(
                subscription, codec, drops, ctx, frame -> codec.decode(frame, pool), onMessage);
    }

    private static <T> TransferReceiver decoding(
            Subscription subscription,
            MessageCodec codec,
            DropCounters drops,
            TransportContext ctx,
            Function<ByteBuffer, T> decoder,
            BiConsumer<T, Integer> onMessage) {
        FrameHandler decode =
                (frame, session) -> {
                    T m;
                    try {
                        m = decoder.apply(frame);
                    } catch (ProtocolMismatchException e) {
                        drops.drop(DropReason.PROTOCOL_VERSION, session, e.getMessage());
                        return;
                    } catch (WireFormatException e) {
                        drops.drop(DropReason.UNDECODABLE, session, e.getMessage());
                        return;
                    }
                    onMessage.accept(m, session);
                };
        return new TransferReceiver(subscription, decode, drops, ctx, codec.protocolVersion());
    }

    @Override
    public String roleName() {
        return "fedlora-transfer-receiver";
    }

    @Override
    public int doWork() {
        int work = subscription.poll(this, fragmentLimit);
        long now = System.nanoTime();
        if (now - lastSweepNs > timeoutNs / 4) {
            lastSweepNs = now;
            work += evictStale(now);
        }
        return work;
    }

    /** Drops unfinished transfers idle past the timeout; returns how many. */
    int evictStale(long now) {
        int evicted = 0;
        for (Iterator<Map.Entry<Key, Partial>> it = partials.entrySet().iterator();
                it.hasNext(); ) {
            Map.Entry<Key, Partial> e = it.next();
            Partial p = e.getValue();
            if (now - p.lastChunkNs > timeoutNs) {
                it.remove();
                release(p);
                drops.drop(
                        DropReason.TIMEOUT,
                        e.getKey().sessionId(),
                        "transfer "
                                + e.getKey().transferId()
                                + " stalled at "
                                + p.received
                                + " of "
                                + p.data.limit()
                                + " bytes");
                evicted++;
            }
        }
        return evicted;
    }

    @Override
    public void onFragment(DirectBuffer buffer, int offset, int length, Header aeronHeader) {
        int session = aeronHeader.sessionId();
        if (length < ChunkHeader.LENGTH
                || buffer.getInt(offset + ChunkHeader.MAGIC_OFFSET, ByteOrder.LITTLE_ENDIAN)
                        != ChunkHeader.MAGIC) {
            drops.drop(DropReason.GARBAGE, session, "frame of " + length + " bytes is not a chunk");
            return;
        }
        int version =
                buffer.getShort(offset + ChunkHeader.VERSION_OFFSET, ByteOrder.LITTLE_ENDIAN)
                        & 0xFFFF;
        if (version != protocolVersion) {
            drops.drop(
                    DropReason.PROTOCOL_VERSION,
                    session,
                    "chunk speaks protocol " + version + ", this node " + protocolVersion);
            return;
        }
        buffer.getBytes(offset, header, 0, ChunkHeader.LENGTH);
        int chunkCrc = header.getInt(ChunkHeader.CHUNK_CRC_OFFSET);
        int messageCrc = header.getInt(ChunkHeader.MESSAGE_CRC_OFFSET);
        long transferId = header.getLong(ChunkHeader.TRANSFER_ID_OFFSET);
        int total = header.getInt(ChunkHeader.TOTAL_LENGTH_OFFSET);
        int chunkOffset = header.getInt(ChunkHeader.CHUNK_OFFSET_OFFSET);
        int n = length - ChunkHeader.LENGTH;
        Key key = new Key(session, transferId);
        Partial p = partials.get(key);
        String what = "transfer " + transferId;
        if (p == null && chunkOffset != 0 && abandoned.containsKey(key)) {
            return; // the rest of a transfer already dropped and counted
        }

        if (total <= 0 || total > maxMessageBytes) {
            abandon(key, p);
            drops.drop(
                    DropReason.OVERSIZED,
                    session,
                    what + " announces " + total + " bytes, limit " + maxMessageBytes);
            return;
        }
        if (chunkOffset == 0) {
            if (p != null) {
                abandon(key, p);
                drops.drop(
                        DropReason.MISSING_CHUNK,
                        session,
                        what + " restarted before it was complete");
            }
            if (pendingBytes + total > maxPendingBytes) {
                abandoned.put(key, Boolean.TRUE);
                drops.drop(
                        DropReason.OVERSIZED,
                        session,
                        what + " of " + total + " bytes overflows the pending limit");
                return;
            }
            p = new Partial(allocate(total), messageCrc, System.nanoTime());
            partials.put(key, p);
            pendingBytes += total;
        } else if (p == null) {
            abandoned.put(key, Boolean.TRUE);
            drops.drop(
                    DropReason.MISSING_CHUNK,
                    session,
                    what + " chunk at " + chunkOffset + " has no start");
            return;
        }
        if (p.data.limit() != total
                || p.messageCrc != messageCrc
                || chunkOffset + (long) n > total) {
            abandon(key, p);
            drops.drop(
                    DropReason.INCONSISTENT,
                    session,
                    what + " chunk at " + chunkOffset + " disagrees with its transfer");
            return;
        }
        if (chunkOffset != p.received) {
            abandon(key, p);
            drops.drop(
                    DropReason.MISSING_CHUNK,
                    session,
                    what + " expected offset " + p.received + " but got " + chunkOffset);
            return;
        }
        buffer.getBytes(offset + ChunkHeader.LENGTH, p.data, chunkOffset, n);
        ByteBuffer payload = p.data.duplicate();
        payload.limit(chunkOffset + n).position(chunkOffset);
        if (ChunkHeader.chunkCrc(header, payload) != chunkCrc) {
            abandon(key, p);
            drops.drop(
                    DropReason.CHUNK_CRC,
                    session,
                    what + " chunk at " + chunkOffset + " fails its CRC32C");
            return;
        }
        p.received += n;
        p.lastChunkNs = System.nanoTime();
        if (p.received == total) {
            partials.remove(key);
            pendingBytes -= total;
            ByteBuffer whole = p.data.duplicate();
            whole.position(0).limit(total);
            if (ChunkHeader.messageCrc(whole) != p.messageCrc) {
                drops.drop(
                        DropReason.MESSAGE_DIGEST,
                        session,
                        what + " of " + total + " bytes fails its digest");
            } else {
                delivered++;
                handler.onFrame(whole, session);
            }
            release(p);
        }
    }

    private void abandon(Key key, Partial p) {
        abandoned.put(key, Boolean.TRUE);
        if (p != null) {
            partials.remove(key);
            pendingBytes -= p.data.limit();
            release(p);
        }
    }

    /** Reuses the last finished buffer when it is large enough: adapters repeat their size. */
    private ByteBuffer allocate(int total) {
        ByteBuffer b = spare;
        if (b != null && b.capacity() >= total) {
            spare = null;
            b.clear().limit(total);
            return b;
        }
        return ByteBuffer.allocateDirect(total).limit(total);
    }

    private void release(Partial p) {
        if (spare == null || p.data.capacity() > spare.capacity()) {
            spare = p.data;
        }
    }

    /** Complete transfers handed to the frame handler so far. */
    public long delivered() {
        return delivered;
    }

    /** Unfinished transfers held right now. */
    public int pendingTransfers() {
        return partials.size();
    }

    public Subscription subscription() {
        return subscription;
    }

    public DropCounters drops() {
        return drops;
    }
}
