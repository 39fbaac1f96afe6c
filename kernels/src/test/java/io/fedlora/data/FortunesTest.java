package io.fedlora.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FortunesTest {

    @TempDir Path dir;

    @Test
    void shouldEncodeTheDocumentedVocabulary() {
        assertArrayEquals(
                new int[] {0, 1, 34, 95, 96, 1, 96}, CharVocabulary.encode("\n A~é\t\u0001"));
        assertEquals("\n A~\uFFFD", CharVocabulary.decode(new int[] {0, 1, 34, 95, 96}));
        for (char c = 32; c <= 126; c++) {
            assertEquals(c, CharVocabulary.character(CharVocabulary.id(c)));
        }
    }

    @Test
    void shouldSplitTopicsAndSkipIndexFilesAndLinks() throws IOException {
        Files.writeString(dir.resolve("b-food"), "Eat.\n%\nTwo\nlines.\n%\n\n%\nLast\n");
        Files.write(
                dir.resolve("a-latin"),
                "caf\u00e9\r\n%\r\nok\r\n".getBytes(StandardCharsets.ISO_8859_1));
        Files.write(dir.resolve("b-food.dat"), new byte[] {0, 1, 2});
        Files.createSymbolicLink(dir.resolve("b-food.u8"), dir.resolve("b-food"));
        Files.createSymbolicLink(dir.resolve("alias"), dir.resolve("b-food"));
        Files.writeString(dir.resolve(".hidden"), "x\n");

        List<FortuneReader.Topic> topics = FortuneReader.read(dir);
        assertEquals(2, topics.size());
        assertEquals("a-latin", topics.get(0).name());
        assertEquals(List.of("caf\u00e9", "ok"), topics.get(0).entries());
        assertEquals("b-food", topics.get(1).name());
        assertEquals(List.of("Eat.", "Two\nlines.", "Last"), topics.get(1).entries());
    }

    @Test
    void shouldCutWindowsWithNextCharacterTargets() {
        List<FortuneReader.Topic> topics =
                List.of(
                        new FortuneReader.Topic("x", List.of("abcdefg", "hi")),
                        new FortuneReader.Topic("y", List.of("0123")));
        // Streams "abcdefg\nhi\n" (11 ids) and "0123\n" (5 ids); windows of 3 + 1.
        TextWindowDataset data = TextWindowDataset.of(topics, 3);
        assertEquals(3, data.size());
        assertArrayEquals(
                new int[] {0, 0, 1}, new int[] {data.label(0), data.label(1), data.label(2)});
        assertEquals("efg\n", CharVocabulary.decode(data.window(1)));
        Batch batch = data.batch(new int[] {2, 0});
        assertArrayEquals(new long[] {2, 3}, batch.inputs().shape());
        assertArrayEquals(
                new float[] {
                    CharVocabulary.id('0'),
                    CharVocabulary.id('1'),
                    CharVocabulary.id('2'),
                    CharVocabulary.id('a'),
                    CharVocabulary.id('b'),
                    CharVocabulary.id('c')
                },
                batch.inputs().data().asFloat(),
                0f);
        assertEquals("123bcd", CharVocabulary.decode(batch.targets()));
        assertEquals(CharVocabulary.SIZE, data.numClasses());
        List<Dataset> clients = Partitioners.natural(data);
        assertEquals(2, clients.size());
        assertEquals(2, clients.get(0).size());
        assertEquals(1, clients.get(1).size());
    }

    @Test
    void shouldRejectUnusableInput() throws IOException {
        Path missing = dir.resolve("none");
        assertEquals(
                "Fortune directory " + missing + " does not exist.",
                assertThrows(DataFormatException.class, () -> FortuneReader.read(missing))
                        .getMessage());
        Files.write(dir.resolve("only.dat"), new byte[] {1});
        assertEquals(
                "Fortune directory " + dir + " holds no fortune files.",
                assertThrows(DataFormatException.class, () -> FortuneReader.read(dir))
                        .getMessage());
        Files.writeString(dir.resolve("empty"), "%\n  \n%\n");
        assertEquals(
                "Fortune file " + dir.resolve("empty") + " holds no entries.",
                assertThrows(DataFormatException.class, () -> FortuneReader.read(dir))
                        .getMessage());
        List<FortuneReader.Topic> tiny = List.of(new FortuneReader.Topic("t", List.of("ab")));
        assertThrows(DataFormatException.class, () -> TextWindowDataset.of(tiny, 8));
    }

    @Test
    void shouldReadTheDebianFortunes() {
        Assumptions.assumeTrue(
                Files.isDirectory(FortuneReader.DEFAULT_DIRECTORY),
                "package fortunes is not installed");
        // Counted independently with Python: 43 regular files, 198 entries in "food".
        List<FortuneReader.Topic> topics = FortuneReader.read(FortuneReader.DEFAULT_DIRECTORY);
        assertEquals(43, topics.size());
        FortuneReader.Topic food =
                topics.stream().filter(t -> t.name().equals("food")).findFirst().orElseThrow();
        assertEquals(198, food.entries().size());
        assertEquals(
                "1893 The ideal brain tonic",
                food.entries().get(0).lines().findFirst().orElseThrow());
    }
}
