package io.fedlora.coordinator.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * File operations of the run directory: whole-file writes that readers see complete or not at all,
 * renames, recursive deletes and JSON with one-line errors that name the file. Every temporary name
 * starts with {@value #TEMP_PREFIX}, so that {@link RunDirectory#open} can tell the leftovers of an
 * interrupted write from everything else.
 */
final class RunFiles {

    /** The prefix of every temporary file and directory the run directory creates. */
    static final String TEMP_PREFIX = ".tmp-";

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RunFiles() {}

    /** Writes {@code content} to a temporary sibling, then renames it over {@code file}. */
    static void writeAtomically(Path file, String content) throws IOException {
        writeAtomically(file, content.getBytes(StandardCharsets.UTF_8));
    }

    static void writeAtomically(Path file, byte[] content) throws IOException {
        Path temp = Files.createTempFile(file.getParent(), TEMP_PREFIX + file.getFileName(), "");
        try {
            shareable(temp, "rw-r--r--");
            Files.write(temp, content);
            move(temp, file);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    static void writeJson(Path file, JsonNode json) throws IOException {
        writeAtomically(file, JSON.writeValueAsString(json) + "\n");
    }

    /**
     * Parses a JSON file.
     *
     * @throws IOException with a one-line message naming the file, when it is missing or not JSON
     */
    static JsonNode readJson(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": the file does not exist", e);
        }
        try {
            JsonNode n = JSON.readTree(bytes);
            if (n == null || n.isMissingNode()) {
                throw new IOException(file + ": the file is empty");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new IOException(
                    file + ": not valid JSON (" + oneLine(e.getOriginalMessage()) + ")", e);
        }
    }

    /** Renames {@code from} to {@code to} atomically where the file system can. */
    static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /** A new, empty temporary directory inside {@code parent}, readable by everyone. */
    static Path tempDirectory(Path parent, String name) throws IOException {
        Path dir = Files.createTempDirectory(parent, TEMP_PREFIX + name + "-");
        shareable(dir, "rwxr-xr-x");
        return dir;
    }

    /** A path inside {@code parent} that nothing uses yet, with a temporary name. */
    static Path unusedTempPath(Path parent, String name) {
        return parent.resolve(TEMP_PREFIX + name + "-" + UUID.randomUUID());
    }

    /** Copies the regular files directly inside {@code from} into {@code to} (created). */
    static void copyFiles(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(from)) {
            for (Path f : files) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, to.resolve(f.getFileName().toString()));
                }
            }
        }
    }

    /** Deletes a file or a directory tree; nothing when it does not exist. */
    static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Whether a directory entry is a leftover temporary of this class. */
    static boolean isTemporary(Path entry) {
        return entry.getFileName().toString().startsWith(TEMP_PREFIX);
    }

    /** Deletes every leftover temporary directly inside {@code dir}. */
    static void deleteTemporaries(Path dir) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, RunFiles::isTemporary)) {
            for (Path p : entries) {
                deleteTree(p);
            }
        }
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }

    /**
     * Temporary files and directories are created owner-only; checkpoints and reports are meant to
     * be shared like any file the user writes.
     */
    private static void shareable(Path p, String permissions) throws IOException {
        if (p.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(permissions));
        }
    }
}
