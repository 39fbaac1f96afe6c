package io.fedlora.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads a pair of IDX files (the MNIST format) into an {@link ArrayDataset} of images. Either file
 * may be gzip-compressed; compression is detected from the first two bytes, not the name.
 *
 * <pre>
 * images: magic 0x00000803 (int32 BE) | count | rows | cols | count·rows·cols unsigned bytes
 * labels: magic 0x00000801 (int32 BE) | count | count unsigned bytes
 * </pre>
 *
 * The magic's third byte is the element type ({@code 0x08} = unsigned byte) and the fourth the
 * number of dimensions. Pixels are scaled by {@code 1/255} to {@code [0, 1]}.
 */
public final class IdxReader {

    static final int IMAGES_MAGIC = 0x00000803;
    static final int LABELS_MAGIC = 0x00000801;
    private static final int GZIP_MAGIC = 0x1f8b;
    private static final int BUFFER_BYTES = 1 << 16;

    private IdxReader() {}

    /**
     * Reads the first {@code limit} examples of an image file and its label file.
     *
     * @param limit the most examples to read; {@code Integer.MAX_VALUE} for all
     * @throws DataFormatException if a file is missing, unreadable, has a wrong magic or dimension
     *     count, is truncated or longer than its header says, the counts differ, or a label is
     *     outside {@code [0, numClasses)}
     */
    public static ArrayDataset read(Path images, Path labels, int numClasses, int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be non-negative but is " + limit + ".");
        }
        try (InputStream imageIn = open(images);
                InputStream labelIn = open(labels)) {
            int[] imageDims = readHeader(imageIn, images, IMAGES_MAGIC);
            int[] labelDims = readHeader(labelIn, labels, LABELS_MAGIC);
            if (imageDims[0] != labelDims[0]) {
                throw new DataFormatException(
                        "Image file "
                                + images
                                + " holds "
                                + imageDims[0]
                                + " images but label file "
                                + labels
                                + " holds "
                                + labelDims[0]
                                + " labels.");
            }
            int count = Math.min(limit, imageDims[0]);
            int height = imageDims[1];
            int width = imageDims[2];
            boolean all = count == imageDims[0];
            byte[] pixelBytes = readBody(imageIn, images, (long) count * height * width, all);
            byte[] labelBytes = readBody(labelIn, labels, count, all);
            return ArrayDataset.images(
                    scalePixels(pixelBytes),
                    height,
                    width,
                    checkedLabels(labelBytes, labels, numClasses),
                    numClasses);
        } catch (EOFException e) {
            throw new DataFormatException(
                    "IDX file " + images + " or " + labels + " ends inside its gzip stream.", e);
        } catch (ZipException e) {
            throw new DataFormatException(
                    "IDX file "
                            + images
                            + " or "
                            + labels
                            + " is not a valid gzip stream: "
                            + e.getMessage()
                            + ".",
                    e);
        } catch (IOException e) {
            throw new DataFormatException(
                    "Could not read IDX file " + images + " or " + labels + ": " + e + ".", e);
        }
    }

    private static InputStream open(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new DataFormatException(
                    "IDX file " + path + " does not exist or is not a regular file.");
        }
        BufferedInputStream in = new BufferedInputStream(Files.newInputStream(path), BUFFER_BYTES);
        in.mark(2);
        int first = in.read();
        int second = in.read();
        in.reset();
        if (first >= 0 && second >= 0 && ((first << 8) | second) == GZIP_MAGIC) {
            return new GZIPInputStream(in, BUFFER_BYTES);
        }
        return in;
    }

    /** Returns the dimensions after checking the magic; the first one is the example count. */
    private static int[] readHeader(InputStream in, Path path, int expectedMagic)
            throws IOException {
        int magic = readInt(in, path, "magic number");
        int dimensions = expectedMagic & 0xff;
        if ((magic >>> 8) != (expectedMagic >>> 8)) {
            throw new DataFormatException(
                    String.format(
                            "IDX file %s has magic number 0x%08x but 0x%08x was expected.",
                            path, magic, expectedMagic));
        }
        if ((magic & 0xff) != dimensions) {
            throw new DataFormatException(
                    "IDX file "
                            + path
                            + " has "
                            + (magic & 0xff)
                            + " dimensions but "
                            + dimensions
                            + " were expected.");
        }
        int[] dims = new int[dimensions];
        for (int d = 0; d < dimensions; d++) {
            dims[d] = readInt(in, path, "dimension " + d);
            if (dims[d] < 0 || (d > 0 && dims[d] == 0)) {
                throw new DataFormatException(
                        "IDX file "
                                + path
                                + " has invalid size "
                                + dims[d]
                                + " in dimension "
                                + d
                                + ".");
            }
        }
        return dims;
    }

    private static int readInt(InputStream in, Path path, String field) throws IOException {
        byte[] bytes = in.readNBytes(4);
        if (bytes.length < 4) {
            throw new DataFormatException(
                    "IDX file " + path + " is truncated: it ends inside the " + field + ".");
        }
        return ((bytes[0] & 0xff) << 24)
                | ((bytes[1] & 0xff) << 16)
                | ((bytes[2] & 0xff) << 8)
                | (bytes[3] & 0xff);
    }

    /**
     * Reads {@code length} bytes; when the whole file is wanted ({@code toEnd}) also checks that
     * nothing follows, since trailing bytes mean the header and the data disagree.
     */
    private static byte[] readBody(InputStream in, Path path, long length, boolean toEnd)
            throws IOException {
        if (length > Integer.MAX_VALUE - 8) {
            throw new DataFormatException(
                    "IDX file "
                            + path
                            + " declares "
                            + length
                            + " bytes, more than one array holds.");
        }
        byte[] body = in.readNBytes((int) length);
        if (body.length < length) {
            throw new DataFormatException(
                    "IDX file "
                            + path
                            + " is truncated: its header promises "
                            + length
                            + " data bytes but only "
                            + body.length
                            + " follow.");
        }
        if (toEnd && in.read() >= 0) {
            throw new DataFormatException(
                    "IDX file "
                            + path
                            + " has bytes after the "
                            + length
                            + " data bytes its header promises.");
        }
        return body;
    }

    private static float[] scalePixels(byte[] bytes) {
        float[] pixels = new float[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            pixels[i] = (bytes[i] & 0xff) / 255f;
        }
        return pixels;
    }

    private static int[] checkedLabels(byte[] bytes, Path path, int numClasses) {
        int[] labels = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            labels[i] = bytes[i] & 0xff;
            if (labels[i] >= numClasses) {
                throw new DataFormatException(
                        "IDX file "
                                + path
                                + " has label "
                                + labels[i]
                                + " at index "
                                + i
                                + ", outside [0, "
                                + numClasses
                                + ").");
            }
        }
        return labels;
    }
}
