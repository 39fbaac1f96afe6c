package io.fedlora.transport.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Serializers for the JDK's unmodifiable {@code List.copyOf}/{@code Map.copyOf} classes that the
 * message records hold. Kryo cannot instantiate those classes itself; these read into a plain
 * collection and copy it, and refuse element counts larger than the bytes that remain.
 */
final class ImmutableCollectionSerializers {

    private ImmutableCollectionSerializers() {}

    static final class ListSerializer extends Serializer<List<?>> {
        ListSerializer() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output output, List<?> list) {
            output.writeVarInt(list.size(), true);
            for (Object o : list) {
                kryo.writeClassAndObject(output, o);
            }
        }

        @Override
        public List<?> read(Kryo kryo, Input input, Class<? extends List<?>> type) {
            int n = checkedCount(input);
            List<Object> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                list.add(kryo.readClassAndObject(input));
            }
            return List.copyOf(list);
        }
    }

    static final class MapSerializer extends Serializer<Map<?, ?>> {
        MapSerializer() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output output, Map<?, ?> map) {
            output.writeVarInt(map.size(), true);
            for (Map.Entry<?, ?> e : map.entrySet()) {
                kryo.writeClassAndObject(output, e.getKey());
                kryo.writeClassAndObject(output, e.getValue());
            }
        }

        @Override
        public Map<?, ?> read(Kryo kryo, Input input, Class<? extends Map<?, ?>> type) {
            int n = checkedCount(input);
            Map<Object, Object> map = new HashMap<>();
            for (int i = 0; i < n; i++) {
                map.put(kryo.readClassAndObject(input), kryo.readClassAndObject(input));
            }
            return Map.copyOf(map);
        }
    }

    private static int checkedCount(Input input) {
        int n = input.readVarInt(true);
        int remaining = input.limit() - input.position();
        if (n < 0 || n > remaining) {
            throw new WireFormatException("implausible collection size " + n);
        }
        return n;
    }
}
