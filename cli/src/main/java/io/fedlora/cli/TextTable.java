package io.fedlora.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * A table for a terminal: a header row and data rows, each column as wide as its widest cell,
 * columns marked numeric aligned right, two spaces between columns, no trailing blanks.
 */
final class TextTable {

    private final List<String> header;
    private final boolean[] rightAligned;
    private final List<List<String>> rows = new ArrayList<>();

    /** Column names; a name starting with {@code >} is a right-aligned column (the mark is cut). */
    TextTable(String... columns) {
        header = new ArrayList<>();
        rightAligned = new boolean[columns.length];
        for (int i = 0; i < columns.length; i++) {
            rightAligned[i] = columns[i].startsWith(">");
            header.add(rightAligned[i] ? columns[i].substring(1) : columns[i]);
        }
    }

    TextTable row(Object... cells) {
        if (cells.length != header.size()) {
            throw new IllegalArgumentException(
                    "a row of " + cells.length + " cells in a table of " + header.size());
        }
        List<String> row = new ArrayList<>();
        for (Object c : cells) {
            row.add(String.valueOf(c));
        }
        rows.add(row);
        return this;
    }

    @Override
    public String toString() {
        int[] width = new int[header.size()];
        for (List<String> row : allRows()) {
            for (int i = 0; i < width.length; i++) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (List<String> row : allRows()) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < width.length; i++) {
                if (i > 0) {
                    line.append("  ");
                }
                String cell = row.get(i);
                String pad = " ".repeat(width[i] - cell.length());
                line.append(rightAligned[i] ? pad + cell : cell + pad);
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    private List<List<String>> allRows() {
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        return all;
    }
}
