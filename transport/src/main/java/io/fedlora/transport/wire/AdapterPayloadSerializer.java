package io.fedlora.transport.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.fedlora.codec.TensorCodec;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import io.fedlora.transport.message.AdapterPayload;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes an {@link AdapterPayload}: the codec id, rank, alpha and target modules, then every
 * module's A and B, then every saved module, each tensor as its shape followed by one raw block
 * written by the payload's {@link TensorCodec} straight into the output buffer.
 *
 * <pre>
 * codec:u8  rank:varint  alpha:f64  targets:varint  {name:string}*
 * modules:varint { name:string  A.rows A.cols:varint  A-block  B.rows B.cols:varint  B-block }*
 * saved:varint   { name:string  ndims:varint  dims:varint*  block (as dims[0] × rest) }*
 * </pre>
 *
 * Needs a {@link WireOutput}/{@link WireInput}; shapes read from the wire are checked against the
 * bytes that remain before anything is allocated or written. Tensors are decoded into the {@link
 * TensorTargets} of the running decode: new arrays, or arrays of a {@link TensorPool}.
 */
final class AdapterPayloadSerializer extends Serializer<AdapterPayload> {

    AdapterPayloadSerializer() {
        super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, AdapterPayload payload) {
        WireOutput out = wireOutput(output);
        TensorCodec codec = payload.codec();
        Adapter adapter = payload.adapter();
        out.writeByte(codec.id());
        out.writeVarInt(adapter.rank(), true);
        out.writeDouble(adapter.alpha());
        out.writeVarInt(adapter.targetModules().size(), true);
        for (String t : adapter.targetModules()) {
            out.writeString(t);
        }
        out.writeVarInt(adapter.modules().size(), true);
        for (Map.Entry<String, LoraPair> e : adapter.modules().entrySet()) {
            out.writeString(e.getKey());
            writeMatrix(out, codec, e.getValue().a());
            writeMatrix(out, codec, e.getValue().b());
        }
        out.writeVarInt(adapter.modulesToSave().size(), true);
        for (Map.Entry<String, INDArray> e : adapter.modulesToSave().entrySet()) {
            out.writeString(e.getKey());
            INDArray t = e.getValue();
            long[] shape = t.shape();
            out.writeVarInt(shape.length, true);
            for (long d : shape) {
                out.writeVarInt(Math.toIntExact(d), true);
            }
            writeBlock(out, codec, t.reshape('c', flatShape(shape)));
        }
    }

    @Override
    public AdapterPayload read(Kryo kryo, Input input, Class<? extends AdapterPayload> type) {
        WireInput in = wireInput(input);
        TensorTargets destinations = TensorTargets.of(kryo);
        TensorCodec codec = TensorCodec.fromId(in.readByte());
        int rank = in.readVarInt(true);
        double alpha = in.readDouble();
        int targets = count(in, "target modules");
        List<String> targetModules = new ArrayList<>(targets);
        for (int i = 0; i < targets; i++) {
            targetModules.add(in.readString());
        }
        int n = count(in, "modules");
        Map<String, LoraPair> modules = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String name = in.readString();
            INDArray a = readMatrix(in, codec, destinations, name + ".lora_A");
            INDArray b = readMatrix(in, codec, destinations, name + ".lora_B");
            modules.put(name, new LoraPair(a, b));
        }
        int saved = count(in, "modules to save");
        Map<String, INDArray> modulesToSave = new LinkedHashMap<>();
        for (int i = 0; i < saved; i++) {
            String name = in.readString();
            int ndims = in.readVarInt(true);
            if (ndims < 1 || ndims > 8) {
                throw new WireFormatException("saved module " + name + " has " + ndims + " dims");
            }
            long[] shape = new long[ndims];
            for (int d = 0; d < ndims; d++) {
                shape[d] = in.readVarInt(true);
            }
            long[] flat = flatShapeFromWire(shape, name);
            INDArray m = readMatrix(in, codec, destinations, name, flat[0], flat[1]);
            modulesToSave.put(name, m.reshape('c', shape));
        }
        try {
            return new AdapterPayload(
                    new Adapter(modules, rank, alpha, targetModules, modulesToSave), codec);
        } catch (IllegalArgumentException e) {
            throw new WireFormatException("invalid adapter on the wire: " + e.getMessage(), e);
        }
    }

    private static long[] flatShape(long[] shape) {
        if (shape.length == 1) {
            return new long[] {1, shape[0]};
        }
        long rest = 1;
        for (int i = 1; i < shape.length; i++) {
            rest *= shape[i];
        }
        return new long[] {shape[0], rest};
    }

    /**
     * {@link #flatShape} of dims read from the wire, refusing negative dims and products beyond an
     * int, which would otherwise wrap around to a small size that passes the byte-count check.
     */
    private static long[] flatShapeFromWire(long[] shape, String name) {
        long elements = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new WireFormatException("saved module " + name + " has a negative dim");
            }
            elements *= d;
            if (elements > Integer.MAX_VALUE) {
                throw new WireFormatException("saved module " + name + " is implausibly large");
            }
        }
        return flatShape(shape);
    }

    private static void writeMatrix(WireOutput out, TensorCodec codec, INDArray m) {
        out.writeVarInt(Math.toIntExact(m.rows()), true);
        out.writeVarInt(Math.toIntExact(m.columns()), true);
        writeBlock(out, codec, m);
    }

    private static void writeBlock(WireOutput out, TensorCodec codec, INDArray m) {
        codec.encode(m, out.claim(Math.toIntExact(codec.encodedBytes(m.rows(), m.columns()))));
    }

    private static INDArray readMatrix(
            WireInput in, TensorCodec codec, TensorTargets destinations, String what) {
        long rows = in.readVarInt(true);
        long cols = in.readVarInt(true);
        return readMatrix(in, codec, destinations, what, rows, cols);
    }

    private static INDArray readMatrix(
            WireInput in,
            TensorCodec codec,
            TensorTargets destinations,
            String what,
            long rows,
            long cols) {
        if (rows < 0 || cols < 0) {
            throw new WireFormatException(what + " has a negative dimension");
        }
        long bytes = codec.encodedBytes(rows, cols);
        if (bytes > in.remaining()) {
            throw new WireFormatException(
                    what
                            + " claims "
                            + rows
                            + "×"
                            + cols
                            + " ("
                            + bytes
                            + " bytes) but only "
                            + in.remaining()
                            + " bytes remain");
        }
        // Only now, with the size known to be there, is a destination taken and written.
        return codec.decodeInto(in.take(bytes), destinations.matrix((int) rows, (int) cols));
    }

    private static int count(WireInput in, String what) {
        int n = in.readVarInt(true);
        // Every entry takes at least one byte, so a count above the remaining bytes is a lie.
        if (n < 0 || n > in.remaining()) {
            throw new WireFormatException("implausible count of " + what + ": " + n);
        }
        return n;
    }

    private static WireOutput wireOutput(Output output) {
        if (output instanceof WireOutput w) {
            return w;
        }
        throw new IllegalStateException("adapter payloads are written through MessageCodec");
    }

    private static WireInput wireInput(Input input) {
        if (input instanceof WireInput w) {
            return w;
        }
        throw new IllegalStateException("adapter payloads are read through MessageCodec");
    }
}
