package io.fedlora.coordinator.run;

import static io.fedlora.coordinator.run.RunFixtures.assertSameAdapter;
import static io.fedlora.coordinator.run.RunFixtures.assertSameTensor;
import static io.fedlora.coordinator.run.RunFixtures.checkpoint;
import static io.fedlora.coordinator.run.RunFixtures.evaluation;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.aggregation.BaseUpdate;
import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.aggregation.ServerState;
import io.fedlora.lora.LoraPair;
import io.fedlora.peft.PeftAdapterFiles;
import io.fedlora.simulation.RoundRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunDirectoryTest {

    @TempDir Path dir;

    @Test
    void shouldReadBackACommittedRoundAfterReopening() throws IOException {
        RunDirectory run = RunDirectory.open(dir);
        assertTrue(run.latest().isEmpty());
        run.commit(checkpoint(0, Optional.of(evaluation(0, 0.1, 2.3))));
        List<FitResult> updates =
                List.of(
                        RunFixtures.update("w2", 1, 2),
                        RunFixtures.update("w/1 ü", 1, 1),
                        RunFixtures.update("W2", 1, 3));
        Checkpoint one =
                new Checkpoint(
                        1,
                        new GlobalModel(1, RunFixtures.adapter(77, 4), Optional.empty()),
                        RunFixtures.serverState(5),
                        RoundRecordJsonTest.evaluatedRound(1),
                        updates);
        Path committed = run.commit(one);
        assertEquals(dir.resolve("checkpoints/round-000001").toAbsolutePath(), committed);

        Checkpoint back = RunDirectory.open(dir).latest().orElseThrow();

        assertEquals(1, back.round());
        assertEquals(1, back.global().version());
        assertTrue(back.global().baseUpdate().isEmpty());
        assertSameAdapter(one.global().adapter(), back.global().adapter());
        ServerState state = back.serverState();
        assertEquals(one.serverState().values(), state.values());
        assertEquals(
                List.copyOf(one.serverState().tensors().keySet()),
                List.copyOf(state.tensors().keySet()));
        one.serverState().tensors().forEach((k, t) -> assertSameTensor(t, state.tensor(k)));
        assertEquals(one.record(), back.record());
        assertTrue(Double.isNaN(back.record().metrics().get("aggregation_error")));
        assertEquals(
                List.of("w2", "w/1 ü", "W2"),
                back.updates().stream().map(FitResult::clientId).toList());
        for (int i = 0; i < updates.size(); i++) {
            FitResult expected = updates.get(i);
            FitResult actual = back.updates().get(i);
            assertEquals(1, actual.round());
            assertEquals(expected.exampleCount(), actual.exampleCount());
            assertEquals(expected.metrics(), actual.metrics());
            assertSameAdapter(expected.adapter(), actual.adapter());
        }
        // The current adapter is the latest checkpoint's, byte for byte.
        for (String f : List.of(PeftAdapterFiles.WEIGHTS_FILE, PeftAdapterFiles.CONFIG_FILE)) {
            assertArrayEquals(
                    Files.readAllBytes(committed.resolve("adapter").resolve(f)),
                    Files.readAllBytes(run.adapterDir().resolve(f)));
        }
    }

    @Test
    void shouldResumeAtTheLastCompleteRoundAfterACrash() throws IOException {
        RunDirectory run = RunDirectory.open(dir);
        run.commit(checkpoint(0, Optional.of(evaluation(0, 0.1, 2.3))));
        run.commit(checkpoint(1, Optional.empty()));
        // A crash while round 2 was being written, and while adapter/ was being replaced.
        Path halfWritten = dir.resolve("checkpoints/.tmp-round-000002-4711");
        Files.createDirectories(halfWritten.resolve("adapter"));
        Files.writeString(halfWritten.resolve("server_state.safetensors"), "partial");
        Path oldAdapter = dir.resolve(".tmp-adapter-old-1234");
        Files.move(dir.resolve("adapter"), oldAdapter);
        Files.writeString(dir.resolve("rounds.csv"), "stale\n");

        RunDirectory resumed = RunDirectory.open(dir);

        assertFalse(Files.exists(halfWritten));
        assertFalse(Files.exists(oldAdapter));
        try (Stream<Path> left = Files.list(dir.resolve("checkpoints"))) {
            assertEquals(
                    List.of("round-000000", "round-000001"),
                    left.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(1, resumed.latest().orElseThrow().round());
        assertSameAdapter(
                checkpoint(1, Optional.empty()).global().adapter(),
                PeftAdapterFiles.read(resumed.adapterDir()));
        assertEquals(List.of("0", "1"), column(csv(dir), "round"));

        // The resumed run goes on at round 2; round 1 cannot be committed twice.
        assertThrows(
                IllegalStateException.class, () -> resumed.commit(checkpoint(1, Optional.empty())));
        resumed.commit(checkpoint(2, Optional.of(evaluation(2, 0.6, 0.9))));
        assertEquals(
                List.of(0L, 1L, 2L), resumed.records().stream().map(RoundRecord::round).toList());
    }

    @Test
    void shouldRepairDerivedFilesWhenACrashFollowedTheCommit() throws IOException {
        RunDirectory run = RunDirectory.open(dir);
        run.commit(checkpoint(0, Optional.empty()));
        String csvAfterRound0 = Files.readString(dir.resolve("rounds.csv"));
        Path adapterAfterRound0 = dir.resolve("saved-adapter");
        RunFiles.copyFiles(run.adapterDir(), adapterAfterRound0);
        run.commit(checkpoint(1, Optional.empty()));
        // As if the process died right after renaming round 1 into place.
        Files.writeString(dir.resolve("rounds.csv"), csvAfterRound0);
        RunFiles.deleteTree(run.adapterDir());
        RunFiles.copyFiles(adapterAfterRound0, run.adapterDir());

        RunDirectory.open(dir);

        assertEquals(List.of("0", "1"), column(csv(dir), "round"));
        assertSameAdapter(
                checkpoint(1, Optional.empty()).global().adapter(),
                PeftAdapterFiles.read(dir.resolve("adapter")));
        assertTrue(Files.exists(adapterAfterRound0), "files that are not temporaries are kept");
    }

    @Test
    void shouldRewriteRoundJsonCsvAndChartWhenARecordIsUpdated() throws IOException {
        RunDirectory run = RunDirectory.open(dir);
        run.commit(checkpoint(0, Optional.of(evaluation(0, 0.125, 2.5))));
        run.commit(checkpoint(1, Optional.empty()));
        assertEquals(List.of("0.125000", ""), column(csv(dir), "accuracy"));
        String chartBefore = Files.readString(dir.resolve("accuracy.svg"));

        RoundRecord evaluated = RunFixtures.record(1, Optional.of(evaluation(1, 0.75, 0.5)));
        run.updateRecord(evaluated);

        assertEquals(
                evaluated,
                RoundRecordJson.fromJson(
                        RunFiles.readJson(dir.resolve("checkpoints/round-000001/round.json"))));
        assertEquals(evaluated, RunDirectory.open(dir).latest().orElseThrow().record());
        List<List<String>> rows = csv(dir);
        assertEquals(List.of("0.125000", "0.750000"), column(rows, "accuracy"));
        assertEquals(List.of("2.500000", "0.500000"), column(rows, "loss"));
        String chart = Files.readString(dir.resolve("accuracy.svg"));
        assertTrue(chartBefore.contains("mean accuracy") && chart.contains("mean loss"));
        assertEquals(2, points(chart).get(0).length, "two evaluated rounds on the accuracy chart");
        assertEquals(1, points(chartBefore).get(0).length);

        assertThrows(
                IllegalArgumentException.class,
                () -> run.updateRecord(RunFixtures.record(2, Optional.empty())));
    }

    @Test
    void shouldWriteRoundsCsvThatAnIndependentParserReads() throws IOException {
        RunDirectory run = RunDirectory.open(dir);
        run.commit(checkpoint(0, Optional.of(evaluation(0, 0.1, 2.25))));
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("aggregation_error", 1.5);
        metrics.put("loss", 0.3);
        metrics.put("new, \"quoted\" metric", Double.POSITIVE_INFINITY);
        RoundRecord two =
                new RoundRecord(
                        1,
                        0,
                        3,
                        List.of("w1"),
                        List.of(
                                new io.fedlora.aggregation.Failure("w2", 1, "rejected"),
                                new io.fedlora.aggregation.Failure("w3", 1, "timed out")),
                        metrics,
                        "too few updates, \"min-fit\" 2\nnot met",
                        Optional.empty(),
                        3.5);
        run.commit(
                new Checkpoint(
                        1,
                        new GlobalModel(0, RunFixtures.adapter(5, 4), Optional.empty()),
                        ServerState.EMPTY,
                        two,
                        List.of()));
        run.commit(checkpoint(2, Optional.of(evaluation(2, 0.875, Double.NaN))));

        List<List<String>> rows = csv(dir);

        assertEquals(
                List.of(
                        "round",
                        "version",
                        "instructed",
                        "accepted",
                        "failed",
                        "accuracy",
                        "loss",
                        "aggregation_error",
                        "metric_loss",
                        "new, \"quoted\" metric",
                        "client_loss",
                        "seconds",
                        "note"),
                rows.get(0));
        assertEquals(
                List.of(
                        "0",
                        "0",
                        "0",
                        "0",
                        "0",
                        "0.100000",
                        "2.250000",
                        "",
                        "",
                        "",
                        "",
                        "0.000000",
                        ""),
                rows.get(1));
        assertEquals(
                List.of(
                        "1",
                        "0",
                        "3",
                        "1",
                        "2",
                        "",
                        "",
                        "1.500000",
                        "0.300000",
                        "NaN",
                        "",
                        "3.500000",
                        "too few updates, \"min-fit\" 2\nnot met"),
                rows.get(2));
        assertEquals(
                List.of(
                        "2",
                        "2",
                        "2",
                        "2",
                        "0",
                        "0.875000",
                        "NaN",
                        "NaN",
                        "",
                        "",
                        "0.500000",
                        "0.500000",
                        ""),
                rows.get(3));
        assertEquals(4, rows.size());
    }

    @Test
    void shouldNameTheCorruptFileOfTheLatestRound() throws IOException {
        RunDirectory run = RunDirectory.open(dir);
        run.commit(checkpoint(0, Optional.empty()));
        Path round1 = run.commit(checkpoint(1, Optional.empty()));
        Path state = round1.resolve("server_state.safetensors");
        byte[] bytes = Files.readAllBytes(state);
        Files.write(state, java.util.Arrays.copyOf(bytes, bytes.length - 5));

        IOException truncated = assertThrows(IOException.class, run::latest);
        assertTrue(truncated.getMessage().startsWith(state.toString()), truncated.getMessage());
        assertFalse(truncated.getMessage().contains("\n"), truncated.getMessage());

        Files.write(state, bytes);
        Path record = round1.resolve("round.json");
        Files.delete(record);
        IOException missing = assertThrows(IOException.class, run::latest);
        assertTrue(missing.getMessage().startsWith(record.toString()), missing.getMessage());

        Files.writeString(record, "{\"round\": 1, \"version\": ");
        IOException broken = assertThrows(IOException.class, run::latest);
        assertTrue(broken.getMessage().startsWith(record.toString()), broken.getMessage());
        assertFalse(broken.getMessage().contains("\n"), broken.getMessage());
    }

    @Test
    void shouldKeepTheManifestAndRefuseADifferentOne() throws IOException {
        RunDirectory run = RunDirectory.open(dir);
        assertTrue(run.manifest().isEmpty());
        Map<String, String> manifest = new LinkedHashMap<>();
        manifest.put("strategy", "lora-fair");
        manifest.put("strategy.mode", "ridge");
        manifest.put("rounds", "20");
        manifest.put("seed", "7");
        run.writeManifest(manifest);

        RunDirectory reopened = RunDirectory.open(dir);
        assertEquals(
                List.copyOf(manifest.entrySet()),
                List.copyOf(reopened.manifest().orElseThrow().entrySet()));
        reopened.writeManifest(Map.copyOf(manifest));

        Map<String, String> other = new LinkedHashMap<>(manifest);
        other.put("rounds", "30");
        IllegalStateException refused =
                assertThrows(IllegalStateException.class, () -> reopened.writeManifest(other));
        assertTrue(refused.getMessage().contains("rounds was 20, now 30"), refused.getMessage());
        assertEquals(manifest, reopened.manifest().orElseThrow());
    }

    @Test
    void shouldRefuseBaseUpdatesAndDuplicateClientsLeavingNoTrace() throws IOException {
        RunDirectory run = RunDirectory.open(dir);
        Random rnd = new Random(3);
        BaseUpdate base =
                new BaseUpdate(
                        Map.of(
                                "blocks.0.q",
                                new LoraPair(
                                        RunFixtures.gaussian(rnd, 4, 5),
                                        RunFixtures.gaussian(rnd, 6, 4))),
                        1.0);
        Checkpoint withBase =
                new Checkpoint(
                        0,
                        new GlobalModel(0, RunFixtures.adapter(1, 4), Optional.of(base)),
                        ServerState.EMPTY,
                        RunFixtures.record(0, Optional.empty()),
                        List.of());

        IllegalArgumentException refused =
                assertThrows(IllegalArgumentException.class, () -> run.commit(withBase));
        assertTrue(
                refused.getMessage().contains("base updates are not checkpointed yet"),
                refused.getMessage());
        Checkpoint twice =
                new Checkpoint(
                        0,
                        new GlobalModel(0, RunFixtures.adapter(1, 4), Optional.empty()),
                        ServerState.EMPTY,
                        RunFixtures.record(0, Optional.empty()),
                        List.of(RunFixtures.update("w1", 0, 1), RunFixtures.update("w1", 0, 2)));
        IllegalArgumentException duplicate =
                assertThrows(IllegalArgumentException.class, () -> run.commit(twice));
        assertTrue(duplicate.getMessage().contains("two updates from client w1"));
        try (Stream<Path> left = Files.list(dir.resolve("checkpoints"))) {
            assertEquals(0, left.count(), "a refused commit leaves no temporary directory");
        }
        assertTrue(run.latest().isEmpty());
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new Checkpoint(
                                1,
                                new GlobalModel(1, RunFixtures.adapter(1, 4), Optional.empty()),
                                ServerState.EMPTY,
                                RunFixtures.record(2, Optional.empty()),
                                List.of()));
    }

    private static List<List<String>> csv(Path dir) throws IOException {
        return parseCsv(Files.readString(dir.resolve("rounds.csv")));
    }

    private static List<String> column(List<List<String>> rows, String name) {
        int i = rows.get(0).indexOf(name);
        return rows.subList(1, rows.size()).stream().map(r -> r.get(i)).toList();
    }

    /** The x,y pairs of each polyline of an SVG document. */
    private static List<String[]> points(String svg) {
        return java.util.regex.Pattern.compile("points=\"([^\"]*)\"")
                .matcher(svg)
                .results()
                .map(
                        m ->
                                m.group(1).trim().isEmpty()
                                        ? new String[0]
                                        : m.group(1).trim().split(" "))
                .toList();
    }

    /** RFC 4180, written here independently of the writer: quoted fields, "" escapes, CRLF/LF. */
    static List<List<String>> parseCsv(String text) {
        List<List<String>> rows = new java.util.ArrayList<>();
        List<String> row = new java.util.ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
            } else if (c == '\n') {
                row.add(field.toString());
                field.setLength(0);
                rows.add(row);
                row = new java.util.ArrayList<>();
            } else if (c != '\r') {
                field.append(c);
            }
        }
        if (field.length() > 0 || !row.isEmpty()) {
            row.add(field.toString());
            rows.add(row);
        }
        return rows;
    }
}
