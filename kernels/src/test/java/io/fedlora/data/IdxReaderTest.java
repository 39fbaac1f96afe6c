package io.fedlora.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {

    @TempDir Path dir;

    @Test
    void shouldReadPlainAndGzipFilesAlike() throws IOException {
        byte[] images =
                images(0x803, 2, 2, 3, new byte[] {0, 51, (byte) 255, 1, 2, 3, 4, 5, 6, 7, 8, 9});
        byte[] labels = labels(0x801, 2, new byte[] {3, 1});
        Path plainImages = write("plain-images", images, false);
        Path plainLabels = write("plain-labels", labels, false);
        Path gzImages = write("gz-images", images, true);
        Path gzLabels = write("gz-labels", labels, true);

        for (ArrayDataset data :
                new ArrayDataset[] {
                    IdxReader.read(plainImages, plainLabels, 4, Integer.MAX_VALUE),
                    IdxReader.read(gzImages, gzLabels, 4, Integer.MAX_VALUE)
                }) {
            assertEquals(2, data.size());
            assertEquals(2, data.height());
            assertEquals(3, data.width());
            assertArrayEquals(new int[] {3, 1}, data.labels());
            assertArrayEquals(
                    new float[] {0f, 0.2f, 1f, 1 / 255f, 2 / 255f, 3 / 255f},
                    data.features(0),
                    1e-7f);
            assertArrayEquals(
                    new float[] {4 / 255f, 5 / 255f, 6 / 255f, 7 / 255f, 8 / 255f, 9 / 255f},
                    data.features(1),
                    1e-7f);
        }
    }

    @Test
    void shouldStopAtTheLimit() throws IOException {
        Path img = write("i", images(0x803, 3, 1, 2, new byte[] {1, 2, 3, 4, 5, 6}), true);
        Path lab = write("l", labels(0x801, 3, new byte[] {0, 1, 2}), true);
        ArrayDataset data = IdxReader.read(img, lab, 3, 2);
        assertEquals(2, data.size());
        assertArrayEquals(new int[] {0, 1}, data.labels());
        assertArrayEquals(new float[] {3 / 255f, 4 / 255f}, data.features(1), 1e-7f);
    }

    @Test
    void shouldNameAMissingFile() throws IOException {
        Path lab = write("l", labels(0x801, 1, new byte[] {0}), false);
        Path missing = dir.resolve("nope.gz");
        DataFormatException e =
                assertThrows(DataFormatException.class, () -> IdxReader.read(missing, lab, 10, 5));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void shouldRejectAWrongMagic() throws IOException {
        Path img = write("i", images(0x803, 1, 1, 1, new byte[] {0}), false);
        Path lab = write("l", labels(0x901, 1, new byte[] {0}), false);
        assertMessage(
                () -> IdxReader.read(img, lab, 10, 5),
                lab + " has magic number 0x00000901 but 0x00000801 was expected.");
        // Swapped files: the label file where images belong.
        assertMessage(
                () -> IdxReader.read(lab, img, 10, 5),
                lab + " has magic number 0x00000901 but 0x00000803 was expected.");
    }

    @Test
    void shouldRejectAWrongDimensionCount() throws IOException {
        Path img = write("i", images(0x802, 1, 1, 1, new byte[] {0}), true);
        Path lab = write("l", labels(0x801, 1, new byte[] {0}), true);
        assertMessage(
                () -> IdxReader.read(img, lab, 10, 5),
                img + " has 2 dimensions but 3 were expected.");
    }

    @Test
    void shouldRejectTruncatedFiles() throws IOException {
        Path img = write("i", images(0x803, 2, 2, 2, new byte[] {1, 2, 3, 4, 5}), true);
        Path lab = write("l", labels(0x801, 2, new byte[] {0, 1}), true);
        assertMessage(
                () -> IdxReader.read(img, lab, 10, Integer.MAX_VALUE),
                img + " is truncated: its header promises 8 data bytes but only 5 follow.");

        Path header = write("h", new byte[] {0, 0, 8, 3, 0, 0}, false);
        assertMessage(
                () -> IdxReader.read(header, lab, 10, 1),
                header + " is truncated: it ends inside the dimension 0.");

        byte[] gz = gzip(images(0x803, 2, 2, 2, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));
        Path cut = dir.resolve("cut.gz");
        Files.write(cut, java.util.Arrays.copyOf(gz, gz.length - 12));
        DataFormatException e =
                assertThrows(
                        DataFormatException.class,
                        () -> IdxReader.read(cut, lab, 10, Integer.MAX_VALUE));
        assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
    }

    @Test
    void shouldRejectTrailingBytes() throws IOException {
        Path img = write("i", images(0x803, 1, 1, 2, new byte[] {1, 2, 3}), false);
        Path lab = write("l", labels(0x801, 1, new byte[] {0}), false);
        assertMessage(
                () -> IdxReader.read(img, lab, 10, Integer.MAX_VALUE),
                img + " has bytes after the 2 data bytes its header promises.");
    }

    @Test
    void shouldRejectACountMismatch() throws IOException {
        Path img = write("i", images(0x803, 2, 1, 1, new byte[] {1, 2}), false);
        Path lab = write("l", labels(0x801, 3, new byte[] {0, 1, 2}), false);
        assertMessage(
                () -> IdxReader.read(img, lab, 10, 1),
                "Image file " + img + " holds 2 images but label file " + lab + " holds 3 labels.");
    }

    @Test
    void shouldRejectALabelOutOfRange() throws IOException {
        Path img = write("i", images(0x803, 3, 1, 1, new byte[] {1, 2, 3}), false);
        Path lab = write("l", labels(0x801, 3, new byte[] {0, 9, 10}), false);
        assertMessage(
                () -> IdxReader.read(img, lab, 10, 5),
                lab + " has label 10 at index 2, outside [0, 10).");
    }

    private static void assertMessage(
            org.junit.jupiter.api.function.Executable call, String expectedEnd) {
        DataFormatException e = assertThrows(DataFormatException.class, call);
        assertTrue(e.getMessage().endsWith(expectedEnd), e.getMessage());
    }

    private Path write(String name, byte[] content, boolean compress) throws IOException {
        Path path = dir.resolve(name + (compress ? ".gz" : ""));
        Files.write(path, compress ? gzip(content) : content);
        return path;
    }

    private static byte[] gzip(byte[] content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(content);
        }
        return bytes.toByteArray();
    }

    private static byte[] images(int magic, int count, int rows, int cols, byte[] pixels)
            throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        out.writeInt(count);
        out.writeInt(rows);
        out.writeInt(cols);
        out.write(pixels);
        return bytes.toByteArray();
    }

    private static byte[] labels(int magic, int count, byte[] values) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        out.writeInt(count);
        out.write(values);
        return bytes.toByteArray();
    }
}
