package dev.chainrule.sweep;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The values a sweep tries, field by field, and the trials drawn from them: every combination (grid), or a number
 * of distinct combinations drawn with a seed (random). Both depend on nothing but their input, so the same request
 * gives the same trials in the same order.
 */
public final class SearchSpace {
    private final Map<String, List<Object>> fields;

    /** @param fields each searched field and its values, in the order trials list them (none empty) */
    public SearchSpace(Map<String, List<Object>> fields) {
        this.fields = new LinkedHashMap<>();
        fields.forEach((name, values) -> {
            if (values.isEmpty()) {
                throw new IllegalArgumentException(name + " has no values");
            }
            this.fields.put(name, List.copyOf(values));
        });
    }

    /** The number of combinations, or Long.MAX_VALUE when there are more. */
    public long size() {
        long size = 1;
        for (List<Object> values : fields.values()) {
            if (size > Long.MAX_VALUE / values.size()) {
                return Long.MAX_VALUE;
            }
            size *= values.size();
        }
        return size;
    }

    /** Every combination, the first field's values varying slowest; call only when {@link #size()} is small. */
    public List<Map<String, Object>> grid() {
        long size = size();
        if (size > Integer.MAX_VALUE) {
            throw new IllegalStateException("a grid of " + size + " trials");
        }
        List<Map<String, Object>> trials = new ArrayList<>((int) size);
        for (long index = 0; index < size; index++) {
            trials.add(combination(index));
        }
        return trials;
    }

    /**
     * {@code count} distinct combinations, each field's value drawn uniformly with {@link Random} seeded by
     * {@code seed} (its sequence is specified, so it is the same on every JVM), a repeat drawn again.
     *
     * @throws IllegalArgumentException when the space has fewer combinations than {@code count}
     */
    public List<Map<String, Object>> random(int count, long seed) {
        if (count > size()) {
            throw new IllegalArgumentException("the space has " + size() + " combinations, fewer than " + count);
        }
        Random random = new Random(seed);
        Set<List<Object>> seen = new HashSet<>();
        List<Map<String, Object>> trials = new ArrayList<>(count);
        while (trials.size() < count) {
            Map<String, Object> trial = new LinkedHashMap<>();
            fields.forEach((name, values) -> trial.put(name, values.get(random.nextInt(values.size()))));
            if (seen.add(new ArrayList<>(trial.values()))) {
                trials.add(trial);
            }
        }
        return trials;
    }

    /** The combination at {@code index} of the grid (mixed radix, the last field fastest). */
    private Map<String, Object> combination(long index) {
        List<String> names = new ArrayList<>(fields.keySet());
        Object[] chosen = new Object[names.size()];
        long rest = index;
        for (int i = names.size() - 1; i >= 0; i--) {
            List<Object> values = fields.get(names.get(i));
            chosen[i] = values.get((int) (rest % values.size()));
            rest /= values.size();
        }
        Map<String, Object> trial = new LinkedHashMap<>();
        for (int i = 0; i < chosen.length; i++) {
            trial.put(names.get(i), chosen[i]);
        }
        return trial;
    }
}
