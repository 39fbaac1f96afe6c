package io.fedlora.peft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A minimal safetensors reader written from the format description alone, sharing no code with
 * {@link SafeTensors}: it streams the file through a DataInputStream, parses the header with a
 * Jackson tree and hands out each tensor's raw bytes, so tests can check what the writer wrote bit
 * by bit.
 */
final class IndependentSafeTensorsReader {

    record Raw(String dtype, long[] shape, byte[] bytes) {
        int floatBits(int i) {
            return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(4 * i);
        }

        short halfBits(int i) {
            return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getShort(2 * i);
        }

        long longAt(int i) {
            return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(8 * i);
        }
    }

    record Parsed(
            long headerLength,
            String headerText,
            Map<String, Raw> tensors,
            Map<String, String> metadata) {}

    private IndependentSafeTensorsReader() {}

    static Parsed parse(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path);
                DataInputStream data = new DataInputStream(in)) {
            byte[] prefix = new byte[8];
            data.readFully(prefix);
            long n = ByteBuffer.wrap(prefix).order(ByteOrder.LITTLE_ENDIAN).getLong();
            byte[] header = new byte[(int) n];
            data.readFully(header);
            byte[] rest = data.readAllBytes();
            String text = new String(header, java.nio.charset.StandardCharsets.UTF_8);
            JsonNode root = new ObjectMapper().readTree(text);
            Map<String, Raw> tensors = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = root.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals("__metadata__")) {
                    f.getValue()
                            .fields()
                            .forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                JsonNode node = f.getValue();
                long[] shape = new long[node.get("shape").size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = node.get("shape").get(i).asLong();
                }
                int begin = node.get("data_offsets").get(0).asInt();
                int end = node.get("data_offsets").get(1).asInt();
                byte[] bytes = java.util.Arrays.copyOfRange(rest, begin, end);
                tensors.put(f.getKey(), new Raw(node.get("dtype").asText(), shape, bytes));
            }
            return new Parsed(n, text, tensors, metadata);
        }
    }
}
