package dev.chainrule.dataset;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counts the rows of each class of a single target column while every value so far is a class id: an integer
 * from 0 to {@value #MAX_CLASS_ID}. The first value that is not gives up for good (the column is then a
 * regression target); so does a larger id, which no softmax here could have as an output anyway and which would
 * make the counts, reported with every dataset, as long as a page.
 */
final class ClassCounter {
    static final int MAX_CLASS_ID = 65_535;

    private long[] counts = new long[16];
    private int classes;
    private boolean classIds = true;

    void add(float value) {
        if (!classIds) {
            return;
        }
        if (!(value >= 0) || value > MAX_CLASS_ID || value != (float) Math.rint(value)) {
            classIds = false;
            counts = null;
            return;
        }
        int id = (int) value;
        if (id >= counts.length) {
            counts = Arrays.copyOf(counts, Math.max(id + 1, Math.min(MAX_CLASS_ID + 1, counts.length * 2)));
        }
        counts[id]++;
        classes = Math.max(classes, id + 1);
    }

    /** Rows per class id, ascending, ids without rows left out; empty when the values were not all class ids. */
    Map<Integer, Long> counts() {
        if (!classIds) {
            return Map.of();
        }
        Map<Integer, Long> result = new LinkedHashMap<>();
        for (int id = 0; id < classes; id++) {
            if (counts[id] > 0) {
                result.put(id, counts[id]);
            }
        }
        return Collections.unmodifiableMap(result);
    }
}
