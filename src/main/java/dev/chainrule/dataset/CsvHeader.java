package dev.chainrule.dataset;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A CSV's header row and what each column is: unique, non-blank names, the target columns the caller named (by
 * default the last), every other column a feature. Each column knows where its value goes in a row:
 * {@link #slot} is the index in the feature row, or {@code ~index} (negative) in the target row.
 */
final class CsvHeader {
    private static final int LISTED_NAMES = 10;

    private final List<String> names;
    private final List<String> featureNames;
    private final List<String> targetNames;
    private final int[] slots;

    private CsvHeader(List<String> names, int[] targetIndex) {
        this.names = names;
        this.slots = new int[names.size()];
        List<String> features = new ArrayList<>();
        List<String> targets = new ArrayList<>();
        boolean[] isTarget = new boolean[names.size()];
        for (int k = 0; k < targetIndex.length; k++) {
            isTarget[targetIndex[k]] = true;
            slots[targetIndex[k]] = ~k;
            targets.add(names.get(targetIndex[k]));
        }
        for (int i = 0; i < names.size(); i++) {
            if (!isTarget[i]) {
                slots[i] = features.size();
                features.add(names.get(i));
            }
        }
        this.featureNames = List.copyOf(features);
        this.targetNames = List.copyOf(targets);
    }

    /**
     * Checks the header's cells and picks the columns.
     *
     * @param cells         the header row's cells as read
     * @param targetColumns the target columns' names; empty for the last column
     */
    static CsvHeader of(List<String> cells, List<String> targetColumns, int maxColumns, String maxColumnsSetting,
                        String source, long line) throws InvalidCsvException {
        if (cells.size() > maxColumns) {
            throw new InvalidCsvException(source, line, cells.get(maxColumns).strip(),
                    "the header has " + cells.size() + " columns; at most " + maxColumns + " are allowed"
                            + (maxColumnsSetting == null ? "" : " (" + maxColumnsSetting + ")") + ": this is column " + (maxColumns + 1));
        }
        List<String> names = names(cells, source, line);
        int[] targetIndex = targetIndices(names, targetColumns, source, line);
        if (targetIndex.length == names.size()) {
            throw new InvalidCsvException(source, line, null, "no feature columns: every column of the header is a target " + names);
        }
        return new CsvHeader(List.copyOf(names), targetIndex);
    }

    int width() {
        return names.size();
    }

    String name(int column) {
        return names.get(column);
    }

    /** Where column {@code column}'s value goes: its index in the feature row, or ~its index in the target row. */
    int slot(int column) {
        return slots[column];
    }

    /** The feature columns in file order. */
    List<String> featureNames() {
        return featureNames;
    }

    /** The target columns in the order asked for. */
    List<String> targetNames() {
        return targetNames;
    }

    private static List<String> names(List<String> cells, String source, long line) throws InvalidCsvException {
        List<String> names = new ArrayList<>(cells.size());
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < cells.size(); i++) {
            String name = cells.get(i).strip();
            if (i == 0 && name.startsWith("\uFEFF")) {
                name = name.substring(1).strip(); // a byte-order mark, as spreadsheet exports write
            }
            if (name.isEmpty()) {
                throw new InvalidCsvException(source, line, null, "column " + (i + 1) + " of the header has no name");
            }
            Integer earlier = seen.putIfAbsent(name, i);
            if (earlier != null) {
                throw new InvalidCsvException(source, line, name,
                        "duplicate column name in the header (columns " + (earlier + 1) + " and " + (i + 1) + ")");
            }
            names.add(name);
        }
        return names;
    }

    private static int[] targetIndices(List<String> header, List<String> targetColumns, String source, long line)
            throws InvalidCsvException {
        if (targetColumns.isEmpty()) {
            return new int[] {header.size() - 1};
        }
        int[] indices = new int[targetColumns.size()];
        for (int k = 0; k < indices.length; k++) {
            indices[k] = header.indexOf(targetColumns.get(k));
            if (indices[k] < 0) {
                throw InvalidCsvException.missingTargetColumn(source, line, targetColumns.get(k),
                        "no such target column in the header " + abbreviated(header));
            }
        }
        return indices;
    }

    private static String abbreviated(List<String> names) {
        if (names.size() <= LISTED_NAMES) {
            return names.toString();
        }
        return "[" + String.join(", ", names.subList(0, LISTED_NAMES)) + ", ... (" + names.size() + " columns)]";
    }
}
