package dev.chainrule.training;

/**
 * A job's stored dataset could not be read when the job ran (gone, file missing or damaged, or rows that do not fit
 * the model); the message, naming the dataset, becomes the job's failure reason.
 */
class UnreadableDatasetException extends RuntimeException {
    UnreadableDatasetException(String message) {
        super(message);
    }
}
