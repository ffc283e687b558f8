package dev.chainrule.training;

/** Every worker is busy and the queue is full: the client should retry later. */
public class QueueFullException extends RuntimeException {
    private final int retryAfterSeconds;

    public QueueFullException(int workers, int queueCapacity, int retryAfterSeconds) {
        super("all " + workers + " training workers are busy and the queue of " + queueCapacity
                + " jobs is full; retry later");
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
