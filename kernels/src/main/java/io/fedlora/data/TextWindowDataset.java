package io.fedlora.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Next-character prediction on fixed-length windows of topic texts. Each topic's entries are
 * joined, each followed by a newline, into one stream of {@link CharVocabulary} ids; the stream is
 * cut into non-overlapping windows of {@code seqLength + 1} ids, the last partial window dropped.
 * Example {@code i} has inputs = the window's first {@code seqLength} ids and targets = its last
 * {@code seqLength} ids (each input's next character).
 *
 * <p>{@link #batch} gives inputs {@code [b, seqLength]} (ids as floats) and {@code b·seqLength}
 * targets, row-major; {@link #label} is the topic index (order of the topic list), so {@link
 * Partitioners#natural} makes one client per topic; {@link #numClasses} is the vocabulary size.
 */
public final class TextWindowDataset implements Dataset {

    private final int seqLength;
    private final int[] tokens;
    private final int[] windowStarts;
    private final int[] windowTopics;
    private final List<String> topicNames;

    private TextWindowDataset(
            int seqLength,
            int[] tokens,
            int[] windowStarts,
            int[] windowTopics,
            List<String> names) {
        this.seqLength = seqLength;
        this.tokens = tokens;
        this.windowStarts = windowStarts;
        this.windowTopics = windowTopics;
        this.topicNames = List.copyOf(names);
    }

    /**
     * Windows over the given topics.
     *
     * @throws DataFormatException if a topic's text is shorter than one window
     */
    public static TextWindowDataset of(List<FortuneReader.Topic> topics, int seqLength) {
        if (seqLength <= 0) {
            throw new IllegalArgumentException(
                    "seqLength must be positive but is " + seqLength + ".");
        }
        List<int[]> streams = new ArrayList<>(topics.size());
        int total = 0;
        int windows = 0;
        for (FortuneReader.Topic topic : topics) {
            int[] stream = CharVocabulary.encode(String.join("\n", topic.entries()) + "\n");
            if (stream.length < seqLength + 1) {
                throw new DataFormatException(
                        "Fortune topic "
                                + topic.name()
                                + " has "
                                + stream.length
                                + " characters, fewer than one window of "
                                + (seqLength + 1)
                                + ".");
            }
            streams.add(stream);
            total += stream.length;
            windows += stream.length / (seqLength + 1);
        }
        int[] tokens = new int[total];
        int[] starts = new int[windows];
        int[] labels = new int[windows];
        int offset = 0;
        int w = 0;
        for (int t = 0; t < streams.size(); t++) {
            int[] stream = streams.get(t);
            System.arraycopy(stream, 0, tokens, offset, stream.length);
            for (int s = 0; s + seqLength + 1 <= stream.length; s += seqLength + 1) {
                starts[w] = offset + s;
                labels[w] = t;
                w++;
            }
            offset += stream.length;
        }
        return new TextWindowDataset(
                seqLength,
                tokens,
                starts,
                labels,
                topics.stream().map(FortuneReader.Topic::name).toList());
    }

    @Override
    public int size() {
        return windowStarts.length;
    }

    @Override
    public Batch batch(int[] indices) {
        float[] inputs = new float[indices.length * seqLength];
        int[] targets = new int[indices.length * seqLength];
        for (int k = 0; k < indices.length; k++) {
            int start = windowStarts[Objects.checkIndex(indices[k], windowStarts.length)];
            for (int j = 0; j < seqLength; j++) {
                inputs[k * seqLength + j] = tokens[start + j];
                targets[k * seqLength + j] = tokens[start + j + 1];
            }
        }
        return new Batch(Nd4j.create(inputs, new long[] {indices.length, seqLength}), targets);
    }

    /** The vocabulary size, {@link CharVocabulary#SIZE}. */
    @Override
    public int numClasses() {
        return CharVocabulary.SIZE;
    }

    /** The topic index of window {@code i}. */
    @Override
    public int label(int i) {
        return windowTopics[i];
    }

    /** Characters per input row. */
    public int seqLength() {
        return seqLength;
    }

    /** Topic names, indexed by label. */
    public List<String> topicNames() {
        return topicNames;
    }

    /** The {@code seqLength + 1} ids of window {@code i} (inputs and the final target). */
    public int[] window(int i) {
        int start = windowStarts[i];
        return Arrays.copyOfRange(tokens, start, start + seqLength + 1);
    }
}
