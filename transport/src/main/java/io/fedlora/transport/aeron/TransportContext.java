package io.fedlora.transport.aeron;

import com.typesafe.config.Config;
import java.io.File;
import java.util.concurrent.TimeUnit;

/**
 * Settings of one process's data plane, Aeron style: fluent accessors and a {@link #conclude()}
 * that validates them. Defaults are tuned for bulk adapter transfers on one host or a LAN ({@code
 * mtu=65504}, 64 MiB terms, 2 MiB socket buffers), which on loopback moves about five times Aeron's
 * stock settings.
 */
public final class TransportContext {

    private String aeronDirectoryName =
            new File(
                            System.getProperty("java.io.tmpdir"),
                            "fedlora-aeron-" + ProcessHandle.current().pid())
                    .getPath();
    private boolean embeddedDriver = true;
    private int mtuLength = 65504;
    private int termLength = 64 << 20;
    private int socketBufferLength = 2 << 20;
    private int maxMessageBytes = 512 << 20;
    private long maxPendingBytes = 1L << 30;
    private long reassemblyTimeoutNs = TimeUnit.SECONDS.toNanos(30);
    private long sendTimeoutNs = TimeUnit.SECONDS.toNanos(30);
    private int fragmentLimit = 64;

    /**
     * Reads the {@code fedlora.transport} block (keys documented in this module's {@code
     * reference.conf}) and concludes the result; a wrong value names its key.
     */
    public static TransportContext fromConfig(Config config) {
        Config c = config.getConfig("fedlora.transport");
        TransportContext ctx = new TransportContext();
        try {
            String dir = c.getString("aeron-dir");
            if (!dir.isBlank()) {
                ctx.aeronDirectoryName(dir);
            }
            ctx.embeddedDriver(c.getBoolean("embedded-driver"))
                    .mtuLength(c.getInt("mtu"))
                    .termLength(Math.toIntExact(c.getBytes("term-length")))
                    .socketBufferLength(Math.toIntExact(c.getBytes("socket-buffer")))
                    .maxMessageBytes(Math.toIntExact(c.getBytes("max-message")))
                    .maxPendingBytes(c.getBytes("max-pending"))
                    .reassemblyTimeoutNs(c.getDuration("reassembly-timeout").toNanos())
                    .sendTimeoutNs(c.getDuration("send-timeout").toNanos())
                    .fragmentLimit(c.getInt("fragment-limit"));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(
                    "fedlora.transport: a size does not fit in 2 GiB", e);
        }
        return ctx.conclude();
    }

    /** Where the media driver keeps its files; unique per driver. */
    public TransportContext aeronDirectoryName(String dir) {
        this.aeronDirectoryName = dir;
        return this;
    }

    public String aeronDirectoryName() {
        return aeronDirectoryName;
    }

    /** True (default): start a media driver inside this process; false: use an external one. */
    public TransportContext embeddedDriver(boolean embedded) {
        this.embeddedDriver = embedded;
        return this;
    }

    public boolean embeddedDriver() {
        return embeddedDriver;
    }

    /** UDP datagram size in bytes (Aeron's maximum is 65504). */
    public TransportContext mtuLength(int mtu) {
        this.mtuLength = mtu;
        return this;
    }

    public int mtuLength() {
        return mtuLength;
    }

    /** Term buffer length in bytes: a power of two from 64 KiB to 1 GiB. */
    public TransportContext termLength(int termLength) {
        this.termLength = termLength;
        return this;
    }

    public int termLength() {
        return termLength;
    }

    /** SO_SNDBUF / SO_RCVBUF of the driver's UDP sockets, in bytes. */
    public TransportContext socketBufferLength(int bytes) {
        this.socketBufferLength = bytes;
        return this;
    }

    public int socketBufferLength() {
        return socketBufferLength;
    }

    /** Largest message a receiver reassembles; bigger announced transfers are dropped. */
    public TransportContext maxMessageBytes(int bytes) {
        this.maxMessageBytes = bytes;
        return this;
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /** Most bytes a receiver holds in unfinished transfers at once, over all senders. */
    public TransportContext maxPendingBytes(long bytes) {
        this.maxPendingBytes = bytes;
        return this;
    }

    public long maxPendingBytes() {
        return maxPendingBytes;
    }

    /** An unfinished transfer idle this long (ns) is dropped. */
    public TransportContext reassemblyTimeoutNs(long ns) {
        this.reassemblyTimeoutNs = ns;
        return this;
    }

    public long reassemblyTimeoutNs() {
        return reassemblyTimeoutNs;
    }

    /** A send that cannot make progress for this long (ns) fails. */
    public TransportContext sendTimeoutNs(long ns) {
        this.sendTimeoutNs = ns;
        return this;
    }

    public long sendTimeoutNs() {
        return sendTimeoutNs;
    }

    /** Fragments a receiver handles per poll. */
    public TransportContext fragmentLimit(int limit) {
        this.fragmentLimit = limit;
        return this;
    }

    public int fragmentLimit() {
        return fragmentLimit;
    }

    /** Checks every setting; returns this. */
    public TransportContext conclude() {
        require(mtuLength >= 4096 && mtuLength <= 65504 && mtuLength % 32 == 0, "mtu", mtuLength);
        require(
                termLength >= 64 * 1024 && Integer.bitCount(termLength) == 1,
                "term-length",
                termLength);
        require(socketBufferLength > 0, "socket-buffer", socketBufferLength);
        require(maxMessageBytes > 0, "max-message", maxMessageBytes);
        require(maxPendingBytes >= maxMessageBytes, "max-pending", maxPendingBytes);
        require(reassemblyTimeoutNs > 0, "reassembly-timeout (ns)", reassemblyTimeoutNs);
        require(sendTimeoutNs > 0, "send-timeout (ns)", sendTimeoutNs);
        require(fragmentLimit > 0, "fragment-limit", fragmentLimit);
        if (aeronDirectoryName == null || aeronDirectoryName.isBlank()) {
            throw new IllegalArgumentException("fedlora.transport.aeron-dir must be set");
        }
        return this;
    }

    /** A unicast UDP channel to {@code endpoint} ({@code host:port}) with this context's tuning. */
    public String udpChannel(String endpoint) {
        return "aeron:udp?endpoint="
                + endpoint
                + "|mtu="
                + mtuLength
                + "|term-length="
                + termLength;
    }

    /** The channel for peers on the same host and driver. */
    public String ipcChannel() {
        return "aeron:ipc?mtu=" + mtuLength + "|term-length=" + termLength;
    }

    /**
     * The publication side of a broadcast: multi-destination-cast with dynamic control on {@code
     * control} ({@code host:port}), so one publication writes each message once and the driver fans
     * it out to every subscribed worker.
     */
    public String broadcastPublicationChannel(String control) {
        return "aeron:udp?control="
                + control
                + "|control-mode=dynamic|mtu="
                + mtuLength
                + "|term-length="
                + termLength;
    }

    /**
     * The subscription side of a broadcast: receive on {@code endpoint}, join via {@code control}.
     */
    public String broadcastSubscriptionChannel(String endpoint, String control) {
        return "aeron:udp?endpoint=" + endpoint + "|control=" + control + "|control-mode=dynamic";
    }

    private static void require(boolean ok, String field, long value) {
        if (!ok) {
            throw new IllegalArgumentException(
                    "fedlora.transport." + field + " is invalid: " + value);
        }
    }
}
