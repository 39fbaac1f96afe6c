package io.fedlora.aggregation.spill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.aggregation.Strategies;
import io.fedlora.aggregation.Strategy;
import io.fedlora.aggregation.StrategySpec;
import io.fedlora.aggregation.UpdateHandle;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SpillStoreTest {

    @TempDir Path dir;

    /** Random values plus the bit patterns a lossy path would change: −0, NaN, ±∞, subnormals. */
    /** Gaussian values with a -0, NaN, +∞ and a subnormal planted, to test the bits survive. */
    private static INDArray tensor(Random rnd, DataType type, long... shape) {
        return tensor(rnd, type, true, shape);
    }

    private static INDArray tensor(Random rnd, DataType type, boolean specials, long... shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextGaussian();
        }
        double[] planted = {-0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.MIN_NORMAL / 3};
        for (int i = 0; specials && i < Math.min(n, planted.length); i++) {
            v[i * (n / planted.length)] = planted[i];
        }
        return Nd4j.create(v, shape, DataType.DOUBLE).castTo(type);
    }

    private static Adapter adapter(long seed, DataType type, int rank) {
        return adapter(seed, type, rank, true);
    }

    /**
     * A three-module adapter; with {@code specials} its tensors carry non-finite values, which only
     * the storage tests want (a strategy is never given them: validation rejects them).
     */
    private static Adapter adapter(long seed, DataType type, int rank, boolean specials) {
        Random rnd = new Random(seed);
        Map<String, LoraPair> modules = new LinkedHashMap<>();
        modules.put(
                "blocks.0.q",
                new LoraPair(
                        tensor(rnd, type, specials, rank, 6),
                        tensor(rnd, type, specials, 5, rank)));
        modules.put(
                "blocks.0.v",
                new LoraPair(
                        tensor(rnd, type, specials, rank, 4),
                        tensor(rnd, type, specials, 9, rank)));
        modules.put(
                "blocks.1.q",
                new LoraPair(
                        tensor(rnd, type, specials, rank, 6),
                        tensor(rnd, type, specials, 5, rank)));
        Map<String, INDArray> saved = new LinkedHashMap<>();
        saved.put("head.bias", tensor(rnd, type, specials, 3));
        saved.put("head.weight", tensor(rnd, type, specials, 3, 7));
        return new Adapter(modules, rank, 2.0 * rank, List.of("q", "v"), saved);
    }

    /** The raw bytes of a tensor in C order. */
    private static byte[] bytes(INDArray t) {
        INDArray c = t.dup('c');
        ByteBuffer b = c.data().asNio().duplicate();
        b.clear().limit((int) (c.length() * c.dataType().width()));
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static void assertBitExact(INDArray expected, INDArray actual) {
        assertEquals(expected.dataType(), actual.dataType());
        assertArrayEquals(expected.shape(), actual.shape());
        assertArrayEquals(bytes(expected), bytes(actual));
    }

    private static void assertBitExact(Adapter expected, Adapter actual) {
        assertEquals(expected.rank(), actual.rank());
        assertEquals(expected.alpha(), actual.alpha());
        assertEquals(expected.targetModules(), actual.targetModules());
        assertEquals(
                List.copyOf(expected.modules().keySet()), List.copyOf(actual.modules().keySet()));
        expected.modules()
                .forEach(
                        (name, p) -> {
                            assertBitExact(p.a(), actual.module(name).a());
                            assertBitExact(p.b(), actual.module(name).b());
                        });
        assertEquals(
                List.copyOf(expected.modulesToSave().keySet()),
                List.copyOf(actual.modulesToSave().keySet()));
        expected.modulesToSave()
                .forEach((name, t) -> assertBitExact(t, actual.modulesToSave().get(name)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"FLOAT", "DOUBLE", "HALF", "BFLOAT16"})
    void roundTripIsBitExact(String typeName) {
        DataType type = DataType.valueOf(typeName);
        try (SpillStore store = new SpillStore(dir)) {
            List<Adapter> adapters = new ArrayList<>();
            List<UpdateHandle> handles = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                adapters.add(adapter(i, type, 1 + i));
                handles.add(store.put(adapters.get(i)));
            }
            for (int i = 0; i < 5; i++) {
                assertBitExact(adapters.get(i), handles.get(i).load());
                for (String m : adapters.get(i).modules().keySet()) {
                    LoraPair p = handles.get(i).module(m);
                    assertBitExact(adapters.get(i).module(m).a(), p.a());
                    assertBitExact(adapters.get(i).module(m).b(), p.b());
                }
            }
            long expectedBytes = 0;
            for (Adapter a : adapters) {
                for (LoraPair p : a.modules().values()) {
                    expectedBytes += (p.a().length() + p.b().length()) * type.width();
                }
                for (INDArray t : a.modulesToSave().values()) {
                    expectedBytes += t.length() * type.width();
                }
            }
            assertEquals(expectedBytes, store.bytes());
            assertEquals(expectedBytes, Files.size(store.files().get(0)));
            assertEquals(5, store.updates());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Views, transposes and Fortran-order tensors are stored by value, in C order. */
    @Test
    void stridedAndFortranTensorsRoundTrip() {
        Random rnd = new Random(3);
        INDArray big = tensor(rnd, DataType.FLOAT, 6, 8);
        INDArray a =
                big.get(
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 4),
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 7)); // 3×5 view
        INDArray b = tensor(rnd, DataType.FLOAT, 3, 4).transpose(); // 4×3 transposed view
        Map<String, INDArray> saved = Map.of("head", tensor(rnd, DataType.FLOAT, 2, 3).dup('f'));
        Adapter adapter = new Adapter(Map.of("m", new LoraPair(a, b)), 3, 3, List.of("m"), saved);
        try (SpillStore store = new SpillStore(dir)) {
            Adapter back = store.put(adapter).load();
            assertBitExact(a, back.module("m").a());
            assertBitExact(b, back.module("m").b());
            assertBitExact(saved.get("head"), back.modulesToSave().get("head"));
            assertEquals('c', back.module("m").b().ordering());
        }
    }

    /**
     * module(name) reads that module's bytes and no others: after another module's bytes are
     * overwritten in the file, the read module is unchanged and the other one reads the new bytes.
     */
    @Test
    void moduleReadsOnlyItsOwnBytes() throws IOException {
        Adapter adapter = adapter(9, DataType.FLOAT, 2);
        try (SpillStore store = new SpillStore(dir)) {
            SpilledUpdate handle = (SpilledUpdate) store.put(adapter);
            SpilledTensor victim = handle.place("blocks.0.v").a();
            try (FileChannel ch =
                    FileChannel.open(victim.segment().path(), StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[(int) victim.bytes()]), victim.offset());
            }
            assertBitExact(adapter.module("blocks.0.q").a(), handle.module("blocks.0.q").a());
            assertBitExact(adapter.module("blocks.1.q").b(), handle.module("blocks.1.q").b());
            INDArray zeroed = handle.module("blocks.0.v").a();
            assertEquals(0, zeroed.norm1Number().doubleValue());
            assertBitExact(adapter.module("blocks.0.v").b(), handle.module("blocks.0.v").b());
        }
    }

    /** Each read returns fresh arrays the caller owns: mutating one leaves the store intact. */
    @Test
    void readsAreFreshCopies() {
        Adapter adapter = adapter(4, DataType.FLOAT, 2);
        try (SpillStore store = new SpillStore(dir)) {
            UpdateHandle h = store.put(adapter);
            h.module("blocks.0.q").a().assign(42);
            assertBitExact(adapter.module("blocks.0.q").a(), h.module("blocks.0.q").a());
        }
    }

    @Test
    void segmentsRollOverAndOversizedTensorsGetTheirOwn() throws IOException {
        Adapter adapter = adapter(5, DataType.DOUBLE, 3); // largest tensor 9×3 doubles = 216 bytes
        try (SpillStore store = new SpillStore(dir, 200)) {
            List<UpdateHandle> handles = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                handles.add(store.put(adapter));
            }
            assertTrue(store.files().size() > 3, "files " + store.files().size());
            for (Path f : store.files()) {
                assertTrue(Files.size(f) <= 216, f + " holds " + Files.size(f));
            }
            for (UpdateHandle h : handles) {
                assertBitExact(adapter, h.load());
            }
        }
    }

    @Test
    void closeDeletesTheFilesAndRetiresTheHandles() throws IOException {
        SpillStore store = new SpillStore(dir, 300);
        UpdateHandle h = store.put(adapter(6, DataType.FLOAT, 4));
        List<Path> files = store.files();
        assertTrue(files.size() >= 2);
        for (Path f : files) {
            assertTrue(Files.exists(f));
        }
        h.load(); // maps the files
        store.close();
        for (Path f : files) {
            assertFalse(Files.exists(f), f + " still exists");
        }
        try (var left = Files.list(dir)) {
            assertEquals(0, left.count());
        }
        assertTrue(store.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, h::load);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> h.module("blocks.0.q"));
        assertThrows(IllegalStateException.class, () -> store.put(adapter(7, DataType.FLOAT, 1)));
        store.close(); // again: nothing happens
    }

    @Test
    void badInputIsRejectedWithItsReason() throws IOException {
        try (SpillStore store = new SpillStore(dir)) {
            UpdateHandle h = store.put(adapter(8, DataType.FLOAT, 2));
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> h.module("blocks.9.q"));
            assertTrue(e.getMessage().contains("blocks.9.q"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new SpillStore(dir, 0));
        assertThrows(IllegalArgumentException.class, () -> new SpillStore(dir, 1L << 31));
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        assertThrows(RuntimeException.class, () -> new SpillStore(file));
    }

    /** Four threads put and read back at once; every update reads back exactly. */
    @Test
    void concurrentPutsAndReads() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (SpillStore store = new SpillStore(dir, 4096)) {
            List<Future<?>> jobs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                jobs.add(
                        pool.submit(
                                () -> {
                                    for (int i = 0; i < 10; i++) {
                                        Adapter a = adapter(thread * 100 + i, DataType.FLOAT, 2);
                                        assertBitExact(a, store.put(a).load());
                                    }
                                }));
            }
            for (Future<?> f : jobs) {
                f.get();
            }
            assertEquals(40, store.updates());
        } finally {
            pool.shutdown();
        }
    }

    /**
     * FedIT and LoRA-FAIR (which re-reads every module) give the same bits from spilled updates.
     */
    @Test
    void strategiesAggregateSpilledUpdatesAsInMemoryOnes() {
        List<Adapter> adapters = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            adapters.add(adapter(20 + i, DataType.FLOAT, 3, false));
        }
        try (SpillStore store = new SpillStore(dir)) {
            List<FitResult> inMemory = new ArrayList<>();
            List<FitResult> spilled = new ArrayList<>();
            for (int i = 0; i < adapters.size(); i++) {
                inMemory.add(FitResult.inMemory("c" + i, 1, 10 + i, Map.of(), adapters.get(i)));
                spilled.add(
                        new FitResult("c" + i, 1, 10 + i, Map.of(), store.put(adapters.get(i))));
            }
            Strategy strategy = Strategies.create(StrategySpec.of("lora-fair"));
            GlobalModel global = GlobalModel.initial(adapters.get(0));
            Adapter expected = strategy.aggregateFit(1, global, inMemory, List.of()).adapter();
            Adapter actual = strategy.aggregateFit(1, global, spilled, List.of()).adapter();
            assertBitExact(expected, actual);
        }
    }

    @Test
    void handlesOfDifferentStoresDoNotMix() {
        try (SpillStore one = new SpillStore(dir.resolve("one"));
                SpillStore two = new SpillStore(dir.resolve("two"))) {
            Adapter a = adapter(10, DataType.FLOAT, 2);
            Adapter b = adapter(11, DataType.FLOAT, 2);
            UpdateHandle ha = one.put(a);
            UpdateHandle hb = two.put(b);
            two.close();
            assertBitExact(a, ha.load());
            assertThrows(IllegalStateException.class, hb::load);
            assertNotEquals(one.directory(), two.directory());
        }
    }
}
