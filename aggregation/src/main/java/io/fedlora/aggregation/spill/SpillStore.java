package io.fedlora.aggregation.spill;

import io.fedlora.aggregation.UpdateHandle;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Client updates kept off the Java heap in spill files, for rounds whose updates do not fit in
 * memory (a hundred 7B-shaped rank-16 adapters are 6.4 GiB). {@link #put} appends an adapter's
 * tensors to the current spill file and returns an {@link UpdateHandle} whose {@link
 * UpdateHandle#module} reads one module — a bulk copy from the file's memory mapping into a new
 * ND4J array — and whose {@link UpdateHandle#load} reads the whole adapter. Reads are bit-exact.
 *
 * <p>Files are segments of at most {@code segmentBytes} (1 GiB by default; one tensor larger than
 * that gets a segment of its own, up to the 2 GiB a mapping can hold), named {@code
 * fedlora-spill-*.bin} in the given directory. {@link #close()} unmaps and deletes them; handles
 * then fail with {@link IllegalStateException}. Puts and reads may come from any threads; a put
 * checks the free space of the directory first, so a full disk is an error naming it, not a crash.
 */
public final class SpillStore implements AutoCloseable {

    /** Default segment size: 1 GiB. */
    public static final long DEFAULT_SEGMENT_BYTES = 1L << 30;

    private final Path directory;
    private final long segmentBytes;

    /** Reads and puts share it; close takes it alone, so no read sees a mapping vanish. */
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    private final List<SpillSegment> segments = new ArrayList<>();
    private SpillSegment current;
    private long nextId;
    private long bytes;
    private volatile boolean closed;

    /** A store in {@code directory} with 1 GiB segments. */
    public SpillStore(Path directory) {
        this(directory, DEFAULT_SEGMENT_BYTES);
    }

    /**
     * @param directory where the spill files go; created when missing
     * @param segmentBytes the size a spill file grows to before the next one starts, {@code 1 ..
     *     Integer.MAX_VALUE}
     */
    public SpillStore(Path directory, long segmentBytes) {
        Objects.requireNonNull(directory, "directory");
        if (segmentBytes < 1 || segmentBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "spill segment size must be 1.."
                            + Integer.MAX_VALUE
                            + " bytes, got "
                            + segmentBytes);
        }
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create spill directory " + directory, e);
        }
        if (!Files.isDirectory(directory) || !Files.isWritable(directory)) {
            throw new IllegalArgumentException(
                    "spill directory " + directory + " is not a writable directory");
        }
        this.directory = directory;
        this.segmentBytes = segmentBytes;
    }

    /**
     * Writes {@code adapter} to the spill files.
     *
     * @return a handle reading it back
     * @throws IllegalStateException when the store is closed
     * @throws IllegalArgumentException for a tensor that cannot be spilled (not numeric, over 2
     *     GiB)
     * @throws UncheckedIOException when the directory lacks the space or a write fails
     */
    public UpdateHandle put(Adapter adapter) {
        Objects.requireNonNull(adapter, "adapter");
        lock.readLock().lock();
        try {
            requireOpen("cannot spill another update");
            synchronized (this) {
                requireSpace(adapter);
                long id = nextId++;
                Map<String, SpilledUpdate.Pair> modules = new LinkedHashMap<>();
                for (Map.Entry<String, LoraPair> e : adapter.modules().entrySet()) {
                    modules.put(
                            e.getKey(),
                            new SpilledUpdate.Pair(
                                    place(e.getKey() + ".lora_A", e.getValue().a()),
                                    place(e.getKey() + ".lora_B", e.getValue().b())));
                }
                Map<String, SpilledTensor> saved = new LinkedHashMap<>();
                adapter.modulesToSave().forEach((name, t) -> saved.put(name, place(name, t)));
                return new SpilledUpdate(
                        this,
                        id,
                        modules,
                        adapter.rank(),
                        adapter.alpha(),
                        adapter.targetModules(),
                        saved);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Runs a read of {@code update}'s bytes unless the store is closed; close waits for it. */
    <T> T reading(SpilledUpdate update, Supplier<T> read) {
        lock.readLock().lock();
        try {
            requireOpen("spilled update #" + update.id() + " is gone");
            return read.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    public Path directory() {
        return directory;
    }

    /** Bytes written to the spill files so far. */
    public synchronized long bytes() {
        return bytes;
    }

    /** Updates put so far. */
    public synchronized long updates() {
        return nextId;
    }

    /** The spill files, oldest first (empty once closed). */
    public synchronized List<Path> files() {
        return segments.stream().map(SpillSegment::path).toList();
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * Unmaps and deletes every spill file. Handles fail from now on; closing again does nothing.
     */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            synchronized (this) {
                segments.forEach(SpillSegment::delete);
                segments.clear();
                current = null;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void requireOpen(String what) {
        if (closed) {
            throw new IllegalStateException(
                    "the spill store in " + directory + " is closed: " + what);
        }
    }

    private void requireSpace(Adapter adapter) {
        long needed = 0;
        for (LoraPair p : adapter.modules().values()) {
            needed += p.a().length() * p.a().dataType().width();
            needed += p.b().length() * p.b().dataType().width();
        }
        for (INDArray t : adapter.modulesToSave().values()) {
            needed += t.length() * t.dataType().width();
        }
        long free;
        try {
            free = Files.getFileStore(directory).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the free space of " + directory, e);
        }
        if (needed > free) {
            throw new UncheckedIOException(
                    new IOException(
                            "spill directory "
                                    + directory
                                    + " has "
                                    + free
                                    + " bytes free; the update needs "
                                    + needed));
        }
    }

    /** Appends one tensor's bytes (C order) and returns where they lie. */
    private SpilledTensor place(String name, INDArray t) {
        if (!t.dataType().isNumerical()) {
            throw new IllegalArgumentException(
                    "cannot spill tensor " + name + " of type " + t.dataType());
        }
        long size = t.length() * t.dataType().width();
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "tensor "
                            + name
                            + " "
                            + Arrays.toString(t.shape())
                            + " is "
                            + size
                            + " bytes, over the 2 GiB a spill mapping can hold");
        }
        INDArray c = isPlainCOrder(t) ? t : t.dup('c');
        if (current == null || (current.size() > 0 && current.size() + size > segmentBytes)) {
            current = SpillSegment.create(directory);
            segments.add(current);
        }
        ByteBuffer src = c.data().asNio().duplicate();
        src.clear().limit((int) size);
        long offset = current.append(src);
        bytes += size;
        return new SpilledTensor(current, offset, t.dataType(), t.shape());
    }

    /** A tensor whose buffer holds exactly its elements in C order, from offset 0. */
    private static boolean isPlainCOrder(INDArray t) {
        return !t.isView()
                && t.ordering() == 'c'
                && t.offset() == 0
                && t.data().length() == t.length();
    }

    @Override
    public String toString() {
        return "SpillStore[" + directory + ", " + nextId + " updates, " + bytes + " bytes]";
    }
}
