package dev.chainrule.dataset;

/** The dataset cannot be deleted while a queued or running job reads it. */
public class DatasetInUseException extends RuntimeException {
    public DatasetInUseException(String id) {
        super("dataset '" + id + "' is used by a queued or running training job; cancel the job or wait for it to end, then delete the dataset");
    }
}
