package io.fedlora.peft;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON header of a safetensors file: the tensor entries in the order the header lists them and
 * the free-form {@code __metadata__} string map.
 *
 * <p>{@link #parse} enforces the format's rules, each failure a {@link SafeTensorsFormatException}
 * naming the file: a JSON object; known dtypes; non-negative shapes; {@code data_offsets} inside
 * the data section, of exactly {@code elements × dtype size} bytes, not overlapping, and together
 * covering the whole data section with no gap.
 */
public record SafeTensorsHeader(List<TensorEntry> entries, Map<String, String> metadata) {

    /** The key the format reserves for the metadata map. */
    public static final String METADATA_KEY = "__metadata__";

    private static final ObjectMapper JSON =
            new ObjectMapper()
                    .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    public SafeTensorsHeader {
        entries = List.copyOf(entries);
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /**
     * Parses and validates a header.
     *
     * @param path the file, for messages
     * @param json the header bytes (UTF-8, possibly padded with trailing spaces)
     * @param dataLength bytes in the file after the header
     */
    public static SafeTensorsHeader parse(Path path, byte[] json, long dataLength) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SafeTensorsFormatException(
                    path, "the header is not valid JSON (" + e.getOriginalMessage() + ")", e);
        } catch (java.io.IOException e) {
            throw new SafeTensorsFormatException(
                    path, "the header could not be read (" + e.getMessage() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new SafeTensorsFormatException(path, "the header is not a JSON object");
        }
        List<TensorEntry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (field.getKey().equals(METADATA_KEY)) {
                metadata = parseMetadata(path, field.getValue());
            } else {
                entries.add(parseEntry(path, field.getKey(), field.getValue()));
            }
        }
        checkLayout(path, entries, dataLength);
        return new SafeTensorsHeader(entries, metadata);
    }

    /**
     * The header as the file stores it: UTF-8 JSON padded with spaces to a multiple of 8 bytes, so
     * that the data section starts 8-byte aligned (after the 8-byte length prefix).
     */
    public byte[] encode() {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(METADATA_KEY);
            metadata.forEach(meta::put);
        }
        for (TensorEntry e : entries) {
            ObjectNode node = root.putObject(e.name());
            node.put("dtype", e.dtype().name());
            ArrayNode shape = node.putArray("shape");
            for (long d : e.shape()) {
                shape.add(d);
            }
            node.putArray("data_offsets").add(e.begin()).add(e.end());
        }
        byte[] raw;
        try {
            raw = JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a safetensors header", e);
        }
        int padded = (raw.length + 7) & ~7;
        byte[] out = Arrays.copyOf(raw, padded);
        Arrays.fill(out, raw.length, padded, (byte) ' ');
        return out;
    }

    /** Total bytes of the data section the entries describe. */
    public long dataLength() {
        long max = 0;
        for (TensorEntry e : entries) {
            max = Math.max(max, e.end());
        }
        return max;
    }

    private static Map<String, String> parseMetadata(Path path, JsonNode node) {
        if (!node.isObject()) {
            throw new SafeTensorsFormatException(
                    path,
                    "__metadata__ must be a JSON object of strings, got " + node.getNodeType());
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> kv = it.next();
            if (!kv.getValue().isTextual()) {
                throw new SafeTensorsFormatException(
                        path,
                        "__metadata__ value of \""
                                + kv.getKey()
                                + "\" must be a string, got "
                                + kv.getValue().getNodeType());
            }
            metadata.put(kv.getKey(), kv.getValue().textValue());
        }
        return metadata;
    }

    private static TensorEntry parseEntry(Path path, String name, JsonNode node) {
        if (!node.isObject()) {
            throw new SafeTensorsFormatException(
                    path, "header entry of tensor " + name + " is not a JSON object");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new SafeTensorsFormatException(
                    path, "tensor " + name + " has no string field \"dtype\"");
        }
        DType dtype =
                DType.fromHeaderName(dtypeNode.textValue())
                        .orElseThrow(
                                () ->
                                        new SafeTensorsFormatException(
                                                path,
                                                "unknown dtype "
                                                        + dtypeNode.textValue()
                                                        + " for tensor "
                                                        + name));
        long[] shape = longArray(path, name, node, "shape", -1);
        long[] offsets = longArray(path, name, node, "data_offsets", 2);
        if (offsets[0] > offsets[1]) {
            throw new SafeTensorsFormatException(
                    path,
                    "tensor "
                            + name
                            + " has data_offsets ["
                            + offsets[0]
                            + ", "
                            + offsets[1]
                            + "] whose begin is after its end");
        }
        TensorEntry entry = new TensorEntry(name, dtype, shape, offsets[0], offsets[1]);
        long expected;
        try {
            expected = Math.multiplyExact(entry.elementCount(), dtype.bytes());
        } catch (ArithmeticException e) {
            throw new SafeTensorsFormatException(
                    path, "tensor " + name + " has a shape too large to address", e);
        }
        if (expected != entry.byteLength()) {
            throw new SafeTensorsFormatException(
                    path,
                    "tensor "
                            + name
                            + " has shape "
                            + Arrays.toString(shape)
                            + " of "
                            + dtype
                            + " ("
                            + expected
                            + " bytes) but its data_offsets span "
                            + entry.byteLength()
                            + " bytes");
        }
        return entry;
    }

    private static long[] longArray(
            Path path, String name, JsonNode node, String field, int requiredLength) {
        JsonNode array = node.get(field);
        if (array == null || !array.isArray()) {
            throw new SafeTensorsFormatException(
                    path, "tensor " + name + " has no array field \"" + field + "\"");
        }
        if (requiredLength >= 0 && array.size() != requiredLength) {
            throw new SafeTensorsFormatException(
                    path,
                    "tensor "
                            + name
                            + " has "
                            + array.size()
                            + " values in \""
                            + field
                            + "\", expected "
                            + requiredLength);
        }
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = array.get(i);
            if (!v.canConvertToExactIntegral() || !v.canConvertToLong() || v.asLong() < 0) {
                throw new SafeTensorsFormatException(
                        path,
                        "tensor "
                                + name
                                + " has "
                                + v
                                + " in \""
                                + field
                                + "\", expected a non-negative integer");
            }
            out[i] = v.asLong();
        }
        return out;
    }

    /** Offsets must tile {@code [0, dataLength)} exactly: in range, no overlap, no gap. */
    private static void checkLayout(Path path, List<TensorEntry> entries, long dataLength) {
        List<TensorEntry> byOffset = new ArrayList<>(entries);
        byOffset.sort(
                Comparator.comparingLong(TensorEntry::begin).thenComparingLong(TensorEntry::end));
        long cursor = 0;
        TensorEntry previous = null;
        for (TensorEntry e : byOffset) {
            if (e.end() > dataLength) {
                throw new SafeTensorsFormatException(
                        path,
                        "the data is truncated or the offsets are out of range: tensor "
                                + e.name()
                                + " needs bytes ["
                                + e.begin()
                                + ", "
                                + e.end()
                                + ") of the data section but the file holds only "
                                + dataLength
                                + " bytes after the header");
            }
            if (e.begin() < cursor) {
                throw new SafeTensorsFormatException(
                        path,
                        "tensors "
                                + previous.name()
                                + " and "
                                + e.name()
                                + " overlap in the data section (bytes ["
                                + e.begin()
                                + ", "
                                + Math.min(cursor, e.end())
                                + "))");
            }
            if (e.begin() > cursor) {
                throw new SafeTensorsFormatException(
                        path,
                        "bytes ["
                                + cursor
                                + ", "
                                + e.begin()
                                + ") of the data section belong to no tensor (a gap before "
                                + e.name()
                                + ")");
            }
            cursor = e.end();
            previous = e;
        }
        if (cursor != dataLength) {
            throw new SafeTensorsFormatException(
                    path,
                    "the tensors cover "
                            + cursor
                            + " bytes of the data section but the file holds "
                            + dataLength
                            + " bytes after the header (trailing bytes belong to no tensor)");
        }
    }
}
