package io.fedlora.data;

/**
 * The character vocabulary of the text tasks, 97 symbols:
 *
 * <ul>
 *   <li>id 0: newline {@code '\n'};
 *   <li>ids 1–95: printable ASCII {@code ' '} (32) to {@code '~'} (126), id = code − 31;
 *   <li>id 96 ({@link #UNKNOWN}): every other character (accented letters, control characters).
 * </ul>
 *
 * A tab is read as a space, since fortunes indent with both. Decoding maps {@link #UNKNOWN} to
 * {@code '\uFFFD'}.
 */
public final class CharVocabulary {

    public static final int NEWLINE = 0;
    public static final int UNKNOWN = 96;
    public static final int SIZE = 97;

    private CharVocabulary() {}

    /** The id of one character. */
    public static int id(char c) {
        if (c == '\n') {
            return NEWLINE;
        }
        if (c == '\t') {
            c = ' ';
        }
        return c >= 32 && c <= 126 ? c - 31 : UNKNOWN;
    }

    /** The ids of a text's characters (UTF-16 units; characters outside the BMP count as two). */
    public static int[] encode(CharSequence text) {
        int[] ids = new int[text.length()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = id(text.charAt(i));
        }
        return ids;
    }

    /** The character of an id. */
    public static char character(int id) {
        if (id == NEWLINE) {
            return '\n';
        }
        if (id >= 1 && id < UNKNOWN) {
            return (char) (id + 31);
        }
        if (id == UNKNOWN) {
            return '\uFFFD';
        }
        throw new IllegalArgumentException("Character id " + id + " is outside [0, " + SIZE + ").");
    }

    /** The text of some ids. */
    public static String decode(int[] ids) {
        StringBuilder text = new StringBuilder(ids.length);
        for (int id : ids) {
            text.append(character(id));
        }
        return text.toString();
    }
}
