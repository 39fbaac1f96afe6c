package io.fedlora.transport.aeron;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How many chunks/transfers a receiver dropped, by reason; each drop is also logged. */
public final class DropCounters {
    private static final Logger LOG = LoggerFactory.getLogger(DropCounters.class);

    private final AtomicLongArray counts = new AtomicLongArray(DropReason.values().length);

    /** Counts one drop and logs its reason. */
    public void drop(DropReason reason, int sessionId, String detail) {
        counts.incrementAndGet(reason.ordinal());
        LOG.warn("dropped from session {}: {} ({})", sessionId, reason, detail);
    }

    public long count(DropReason reason) {
        return counts.get(reason.ordinal());
    }

    public long total() {
        long sum = 0;
        for (int i = 0; i < counts.length(); i++) {
            sum += counts.get(i);
        }
        return sum;
    }

    /** Reason → count, every reason included. */
    public Map<DropReason, Long> snapshot() {
        Map<DropReason, Long> m = new EnumMap<>(DropReason.class);
        for (DropReason r : DropReason.values()) {
            m.put(r, count(r));
        }
        return m;
    }
}
