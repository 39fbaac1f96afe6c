package io.fedlora.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads fortune cookie files, one topic per file, as installed by Debian's {@code fortunes}
 * package. Entries are separated by lines holding only {@code %}. The {@code .dat} index files, the
 * {@code .u8} names, symbolic links, hidden files and subdirectories are skipped. Files are decoded
 * as UTF-8, or as ISO-8859-1 when they are not valid UTF-8.
 */
public final class FortuneReader {

    /** Where Debian installs the files. */
    public static final Path DEFAULT_DIRECTORY = Path.of("/usr/share/games/fortunes");

    /** One topic: the file name and its entries, each ending with its last newline removed. */
    public record Topic(String name, List<String> entries) {
        public Topic {
            entries = List.copyOf(entries);
        }
    }

    private FortuneReader() {}

    /**
     * The topics of a directory, sorted by name.
     *
     * @throws DataFormatException if the directory is missing, holds no fortune files, or a file
     *     holds no entries
     */
    public static List<Topic> read(Path directory) {
        if (!Files.isDirectory(directory)) {
            throw new DataFormatException("Fortune directory " + directory + " does not exist.");
        }
        List<Path> files;
        try (Stream<Path> listing = Files.list(directory)) {
            files = listing.filter(FortuneReader::isFortuneFile).sorted().toList();
        } catch (IOException e) {
            throw new DataFormatException(
                    "Could not list fortune directory " + directory + ": " + e + ".", e);
        }
        if (files.isEmpty()) {
            throw new DataFormatException(
                    "Fortune directory " + directory + " holds no fortune files.");
        }
        List<Topic> topics = new ArrayList<>(files.size());
        for (Path file : files) {
            topics.add(readTopic(file));
        }
        return topics;
    }

    /** One fortune file as a topic named after the file. */
    public static Topic readTopic(Path file) {
        List<String> entries = split(decode(file));
        if (entries.isEmpty()) {
            throw new DataFormatException("Fortune file " + file + " holds no entries.");
        }
        return new Topic(file.getFileName().toString(), entries);
    }

    private static boolean isFortuneFile(Path path) {
        String name = path.getFileName().toString();
        return Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)
                && !name.startsWith(".")
                && !name.endsWith(".dat")
                && !name.endsWith(".u8");
    }

    private static String decode(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new DataFormatException(
                    "Could not read fortune file " + file + ": " + e + ".", e);
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            // Older fortune files are Latin-1; every byte sequence is valid ISO-8859-1.
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
    }

    /** Entries between {@code %} lines; blank entries are dropped, CRLF read as LF. */
    static List<String> split(String text) {
        List<String> entries = new ArrayList<>();
        StringBuilder entry = new StringBuilder();
        String unix = text.replace("\r\n", "\n");
        // The file's final newline ends the last line; it does not start an empty one.
        String body = unix.endsWith("\n") ? unix.substring(0, unix.length() - 1) : unix;
        for (String line : body.split("\n", -1)) {
            if (line.equals("%")) {
                addEntry(entries, entry);
            } else {
                entry.append(line).append('\n');
            }
        }
        addEntry(entries, entry);
        return entries;
    }

    private static void addEntry(List<String> entries, StringBuilder entry) {
        String text = entry.toString();
        if (!text.isBlank()) {
            entries.add(text.substring(0, text.length() - 1));
        }
        entry.setLength(0);
    }
}
