package dev.chainrule.client;

/**
 * Stop when the validation loss has not improved by more than {@code minDelta} for {@code patience} epochs; a
 * null field takes the service's default.
 *
 * @param patience    epochs without improvement (default 5)
 * @param minDelta    what counts as an improvement (default 0)
 * @param restoreBest keep the best epoch's weights rather than the last (default true)
 */
public record EarlyStopping(Integer patience, Double minDelta, Boolean restoreBest) {

    public static EarlyStopping patience(int patience) {
        return new EarlyStopping(patience, null, null);
    }
}
