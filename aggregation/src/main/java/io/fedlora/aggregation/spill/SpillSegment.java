package io.fedlora.aggregation.spill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One spill file: appended to through its channel, read through a read-only memory mapping of what
 * has been written.
 *
 * <p>Why writes go through the channel and not the mapping: a write into a mapped page of a sparse
 * file on a full disk kills the JVM with SIGBUS, while {@code FileChannel.write} fails with an
 * {@code IOException} that the store turns into a clear error. Reads go through the mapping: a
 * module is one bulk copy from the page cache into an ND4J buffer, with no system call. One mapping
 * is at most 2 GiB (a {@link MappedByteBuffer} is int-indexed), hence segments.
 */
final class SpillSegment {

    private static final Logger LOG = LoggerFactory.getLogger(SpillSegment.class);

    private final Path path;
    private final FileChannel channel;
    private volatile long written;
    private MappedByteBuffer mapping;

    private SpillSegment(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    static SpillSegment create(Path directory) {
        try {
            Path path = Files.createTempFile(directory, "fedlora-spill-", ".bin");
            path.toFile().deleteOnExit();
            return new SpillSegment(
                    path,
                    FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a spill file in " + directory, e);
        }
    }

    Path path() {
        return path;
    }

    /** Bytes written so far: the offset the next append lands at. */
    long size() {
        return written;
    }

    /**
     * Appends {@code src} (position to limit) and returns the offset it was written at. Callers
     * serialise appends (the store holds its lock).
     */
    long append(ByteBuffer src) {
        long offset = written;
        long position = offset;
        try {
            while (src.hasRemaining()) {
                position += channel.write(src, position);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot write " + src.remaining() + " bytes to spill file " + path, e);
        }
        written = position;
        return offset;
    }

    /**
     * A read-only view of bytes {@code [offset, offset + length)}, which must have been written.
     * The mapping is widened to everything written when a read reaches past it; earlier mappings
     * stay valid for readers that hold them.
     */
    synchronized ByteBuffer view(long offset, int length) {
        long end = offset + length;
        if (mapping == null || mapping.capacity() < end) {
            try {
                mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, written);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot map spill file " + path, e);
            }
        }
        return mapping.slice((int) offset, length);
    }

    /** Unmaps, closes and deletes the file; failures are logged, not thrown. */
    synchronized void delete() {
        if (mapping != null) {
            Unmapper.unmap(mapping);
            mapping = null;
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("closing spill file {} failed: {}", path, e.toString());
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("deleting spill file {} failed: {}", path, e.toString());
        }
    }

    /**
     * Releases a mapping now instead of at some later garbage collection, so a closed store gives
     * its disk space back at once. Uses {@code sun.misc.Unsafe.invokeCleaner} (module
     * jdk.unsupported); where that is unavailable the mapping goes with the garbage collector.
     */
    private static final class Unmapper {
        private static final Object UNSAFE;
        private static final Method INVOKE_CLEANER;

        static {
            Object unsafe = null;
            Method invoke = null;
            try {
                Class<?> type = Class.forName("sun.misc.Unsafe");
                Field field = type.getDeclaredField("theUnsafe");
                field.setAccessible(true);
                unsafe = field.get(null);
                invoke = type.getMethod("invokeCleaner", ByteBuffer.class);
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOG.debug(
                        "spill mappings will be released by the garbage collector: {}",
                        e.toString());
            }
            UNSAFE = unsafe;
            INVOKE_CLEANER = invoke;
        }

        static void unmap(MappedByteBuffer buffer) {
            if (INVOKE_CLEANER == null) {
                return;
            }
            try {
                INVOKE_CLEANER.invoke(UNSAFE, buffer);
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOG.debug("unmapping a spill file failed: {}", e.toString());
            }
        }
    }
}
