package io.fedlora.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @TempDir Path dir;

    @Test
    void shouldKeepTheOldFileWhenAWriteFailsHalfWay() throws IOException {
        Path target = dir.resolve("adapter_model.safetensors");
        Files.write(target, new byte[] {1, 2, 3});

        IOException e =
                assertThrows(
                        IOException.class,
                        () ->
                                AtomicFiles.write(
                                        target,
                                        ch -> {
                                            ch.write(ByteBuffer.wrap(new byte[1000]));
                                            throw new IOException("disk full");
                                        }));

        assertEquals("disk full", e.getMessage());
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target), "old content intact");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(target), files.toList(), "the half-written temporary is gone");
        }
    }

    @Test
    void shouldReplaceTheFileAndCreateMissingDirectories() throws IOException {
        Path target = dir.resolve("a/b/adapter_config.json");
        AtomicFiles.write(target, ch -> ch.write(ByteBuffer.wrap(new byte[] {4, 5})));
        AtomicFiles.write(target, ch -> ch.write(ByteBuffer.wrap(new byte[] {6})));
        assertArrayEquals(new byte[] {6}, Files.readAllBytes(target));
        try (Stream<Path> files = Files.list(target.getParent())) {
            assertEquals(List.of(target), files.toList());
        }
    }
}
