package dev.chainrule.engine.training;

/**
 * Stop when the validation loss has not improved by more than {@code minDelta} for {@code patience} epochs
 * in a row; with {@code restoreBest}, end with the parameters of the best epoch rather than the last.
 */
public record EarlyStopping(int patience, double minDelta, boolean restoreBest) {
    public EarlyStopping {
        if (patience < 1) {
            throw new IllegalArgumentException("patience must be at least 1, got " + patience);
        }
        if (!(minDelta >= 0) || Double.isInfinite(minDelta)) {
            throw new IllegalArgumentException("minDelta must be finite and >= 0, got " + minDelta);
        }
    }
}
