package io.fedlora.lora;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Everything about an {@link Adapter} except its numbers: module names and shapes in order, rank,
 * alpha, target modules, and the names and shapes of the saved modules. It is what the receiver of
 * a flat buffer needs to rebuild the adapter, and what two adapters must share before they can be
 * added.
 *
 * <p>The flat layout (one contiguous float buffer) is, for each module in order, {@code lora_A}
 * ({@code r × in}, C order) then {@code lora_B} ({@code out × r}, C order), followed by each saved
 * module in order, C order. Flattening converts to FLOAT; a FLOAT adapter round-trips exactly.
 *
 * @param modules the adapted modules, in order
 * @param rank r of every module
 * @param alpha PEFT's {@code lora_alpha}
 * @param targetModules PEFT's {@code target_modules}
 * @param modulesToSave the saved full tensors, in order
 */
public record AdapterLayout(
        List<ModuleShape> modules,
        int rank,
        double alpha,
        List<String> targetModules,
        List<SavedShape> modulesToSave) {

    /**
     * One adapted module: {@code lora_A} is {@code rank × inFeatures}, {@code lora_B} is {@code
     * outFeatures × rank}.
     */
    public record ModuleShape(String name, long outFeatures, long inFeatures) {}

    /** One saved full tensor and its shape. */
    public record SavedShape(String name, List<Long> shape) {

        public SavedShape {
            shape = List.copyOf(shape);
        }

        long[] shapeArray() {
            return shape.stream().mapToLong(Long::longValue).toArray();
        }

        long length() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    public AdapterLayout {
        modules = List.copyOf(modules);
        targetModules = List.copyOf(targetModules);
        modulesToSave = List.copyOf(modulesToSave);
    }

    /** The layout of {@code adapter}. */
    public static AdapterLayout of(Adapter adapter) {
        List<ModuleShape> modules = new ArrayList<>();
        for (Map.Entry<String, LoraPair> e : adapter.modules().entrySet()) {
            LoraPair pair = e.getValue();
            modules.add(new ModuleShape(e.getKey(), pair.outFeatures(), pair.inFeatures()));
        }
        List<SavedShape> saved = new ArrayList<>();
        for (Map.Entry<String, INDArray> e : adapter.modulesToSave().entrySet()) {
            saved.add(
                    new SavedShape(
                            e.getKey(), Arrays.stream(e.getValue().shape()).boxed().toList()));
        }
        return new AdapterLayout(
                modules, adapter.rank(), adapter.alpha(), adapter.targetModules(), saved);
    }

    /** Number of floats in the flat buffer. */
    public long flatLength() {
        long n = 0;
        for (ModuleShape m : modules) {
            n += (long) rank * (m.inFeatures() + m.outFeatures());
        }
        for (SavedShape s : modulesToSave) {
            n += s.length();
        }
        return n;
    }

    /**
     * Throws unless {@code adapter} has exactly this layout (same modules in the same order with
     * the same shapes, same rank and alpha, same saved modules and shapes); the message names the
     * first difference. Target modules are metadata and are not compared.
     */
    public void requireMatches(Adapter adapter) {
        String difference = firstDifference(of(adapter));
        if (difference != null) {
            throw new IllegalArgumentException("adapter layout mismatch: " + difference);
        }
    }

    /** Null when {@code other} has this layout (target modules aside), else the difference. */
    String firstDifference(AdapterLayout other) {
        if (other.rank != rank) {
            return "rank " + other.rank + " where " + rank + " is expected";
        }
        if (Double.compare(other.alpha, alpha) != 0) {
            return "lora_alpha " + other.alpha + " where " + alpha + " is expected";
        }
        String modulesDiff = listDifference("module", modules, other.modules);
        if (modulesDiff != null) {
            return modulesDiff;
        }
        return listDifference("saved module", modulesToSave, other.modulesToSave);
    }

    private static <T> String listDifference(String kind, List<T> expected, List<T> actual) {
        for (int i = 0; i < Math.max(expected.size(), actual.size()); i++) {
            if (i >= actual.size()) {
                return kind + " " + name(expected.get(i)) + " is missing";
            }
            if (i >= expected.size()) {
                return "unexpected " + kind + " " + name(actual.get(i));
            }
            T e = expected.get(i);
            T a = actual.get(i);
            if (!name(e).equals(name(a))) {
                return kind + " #" + i + " is " + name(a) + " where " + name(e) + " is expected";
            }
            if (!e.equals(a)) {
                return kind
                        + " "
                        + name(e)
                        + " has shape "
                        + shape(a)
                        + " where "
                        + shape(e)
                        + " is expected";
            }
        }
        return null;
    }

    private static String name(Object entry) {
        return entry instanceof ModuleShape m ? m.name() : ((SavedShape) entry).name();
    }

    private static String shape(Object entry) {
        if (entry instanceof ModuleShape m) {
            return "out=" + m.outFeatures() + ", in=" + m.inFeatures();
        }
        return Tensors.shapeText(((SavedShape) entry).shapeArray());
    }

    /** The adapter's numbers as one float buffer in this layout (see the class comment). */
    public float[] flatten(Adapter adapter) {
        requireMatches(adapter);
        long length = flatLength();
        if (length > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "adapter has " + length + " elements, too many for one float[]");
        }
        float[] flat = new float[(int) length];
        int offset = 0;
        for (LoraPair pair : adapter.modules().values()) {
            offset = copyInto(pair.a(), flat, offset);
            offset = copyInto(pair.b(), flat, offset);
        }
        for (INDArray saved : adapter.modulesToSave().values()) {
            offset = copyInto(saved, flat, offset);
        }
        return flat;
    }

    /** {@link #flatten(Adapter)} as a 1-D FLOAT INDArray. */
    public INDArray flattenToArray(Adapter adapter) {
        float[] flat = flatten(adapter);
        return Nd4j.create(flat, new long[] {flat.length}, DataType.FLOAT);
    }

    private static int copyInto(INDArray x, float[] flat, int offset) {
        if (x.isEmpty()) {
            return offset;
        }
        // dup('c') gives C order whatever the source's order or view offsets.
        float[] values = x.castTo(DataType.FLOAT).dup('c').reshape(x.length()).toFloatVector();
        System.arraycopy(values, 0, flat, offset, values.length);
        return offset + values.length;
    }

    /** Rebuilds a FLOAT adapter from a buffer written by {@link #flatten(Adapter)}. */
    public Adapter unflatten(float[] flat) {
        if (flat.length != flatLength()) {
            throw new IllegalArgumentException(
                    "flat adapter has "
                            + flat.length
                            + " floats but its layout needs "
                            + flatLength());
        }
        int offset = 0;
        Map<String, LoraPair> pairs = new LinkedHashMap<>();
        for (ModuleShape m : modules) {
            INDArray a = slice(flat, offset, new long[] {rank, m.inFeatures()});
            offset += (int) a.length();
            INDArray b = slice(flat, offset, new long[] {m.outFeatures(), rank});
            offset += (int) b.length();
            pairs.put(m.name(), new LoraPair(a, b));
        }
        Map<String, INDArray> saved = new LinkedHashMap<>();
        for (SavedShape s : modulesToSave) {
            INDArray x = slice(flat, offset, s.shapeArray());
            offset += (int) s.length();
            saved.put(s.name(), x);
        }
        return new Adapter(pairs, rank, alpha, targetModules, saved);
    }

    /** {@link #unflatten(float[])} of a 1-D (or row/column vector) FLOAT INDArray. */
    public Adapter unflatten(INDArray flat) {
        if (!flat.isVector() && !(flat.isEmpty() && flatLength() == 0)) {
            throw new IllegalArgumentException(
                    "flat adapter must be a vector, got shape " + Tensors.shapeText(flat));
        }
        if (flat.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException(
                    "flat adapter must be FLOAT, got " + flat.dataType());
        }
        return unflatten(flat.isEmpty() ? new float[0] : flat.toFloatVector());
    }

    private static INDArray slice(float[] flat, int offset, long[] shape) {
        long length = 1;
        for (long d : shape) {
            length *= d;
        }
        float[] values = Arrays.copyOfRange(flat, offset, offset + (int) length);
        return Nd4j.create(values, shape, DataType.FLOAT);
    }
}
