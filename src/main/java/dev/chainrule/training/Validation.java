package dev.chainrule.training;

import dev.chainrule.dataset.DatasetSplit;
import java.util.Objects;

/** Which rows a job validates on after each epoch: none, rows held out of its training rows, or rows of their own. */
public sealed interface Validation permits Validation.None, Validation.Split, Validation.OwnRows {
    Validation NONE = new None();

    /** No validation rows: the job reports training losses only. */
    record None() implements Validation {
    }

    /**
     * Rows of the training rows held out for validation: {@code DatasetSplit.random(rows, fraction, seed)}, made as
     * the rows are read, so the same rows whenever the job runs.
     *
     * @param fraction of the rows held out, in (0, 1)
     * @param seed     the split's seed (the request's shuffle seed)
     */
    record Split(double fraction, long seed) implements Validation {
        public Split {
            if (!(fraction > 0 && fraction < 1)) {
                throw new IllegalArgumentException("fraction must be in (0, 1), got " + fraction);
            }
        }

        /** The split of {@code rows} rows. */
        public DatasetSplit of(int rows) {
            return DatasetSplit.random(rows, fraction, seed);
        }

        /** Rows left to train on out of {@code rows}: as many as {@link #of} leaves, without making the split. */
        public int trainingRows(int rows) {
            return rows - (int) Math.round(rows * fraction);
        }
    }

    /** Validation rows of their own. */
    record OwnRows(RowSource rows) implements Validation {
        public OwnRows {
            Objects.requireNonNull(rows, "rows");
        }
    }
}
