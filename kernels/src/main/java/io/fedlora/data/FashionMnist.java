package io.fedlora.data;

import java.nio.file.Path;
import java.util.List;

/**
 * Fashion-MNIST: 28×28 grey-scale images of clothing in 10 classes, 60 000 for training and 10 000
 * for testing, read from the four IDX files (gzip or plain) of the original distribution. The
 * default directory is where Debian's {@code dataset-fashion-mnist} package installs them.
 */
public final class FashionMnist {

    /** Where Debian installs the files. */
    public static final Path DEFAULT_DIRECTORY = Path.of("/usr/share/datasets/fashion-mnist");

    public static final int NUM_CLASSES = 10;
    public static final int HEIGHT = 28;
    public static final int WIDTH = 28;

    /** Class names, indexed by label. */
    public static final List<String> CLASS_NAMES =
            List.of(
                    "T-shirt/top",
                    "Trouser",
                    "Pullover",
                    "Dress",
                    "Coat",
                    "Sandal",
                    "Shirt",
                    "Sneaker",
                    "Bag",
                    "Ankle boot");

    /** The two halves of the distribution, named by their file prefix. */
    public enum Split {
        TRAIN("train"),
        TEST("t10k");

        private final String prefix;

        Split(String prefix) {
            this.prefix = prefix;
        }

        /** The image file, gzip name first: {@code <prefix>-images-idx3-ubyte[.gz]}. */
        Path imagesIn(Path directory) {
            return existingVariant(directory, prefix + "-images-idx3-ubyte");
        }

        /** The label file: {@code <prefix>-labels-idx1-ubyte[.gz]}. */
        Path labelsIn(Path directory) {
            return existingVariant(directory, prefix + "-labels-idx1-ubyte");
        }

        private static Path existingVariant(Path directory, String base) {
            Path gz = directory.resolve(base + ".gz");
            Path plain = directory.resolve(base);
            // Prefer the compressed name the packages ship; name it in the error if neither exists.
            return plain.toFile().isFile() && !gz.toFile().isFile() ? plain : gz;
        }
    }

    private FashionMnist() {}

    /** The whole split from the default directory. */
    public static ArrayDataset load(Split split) {
        return load(DEFAULT_DIRECTORY, split, Integer.MAX_VALUE);
    }

    /**
     * The first {@code limit} examples of a split.
     *
     * @param directory holds {@code train-images-idx3-ubyte.gz} etc. (or the uncompressed files)
     * @throws DataFormatException naming the file and the problem if the files are unusable
     */
    public static ArrayDataset load(Path directory, Split split, int limit) {
        return IdxReader.read(
                split.imagesIn(directory), split.labelsIn(directory), NUM_CLASSES, limit);
    }
}
