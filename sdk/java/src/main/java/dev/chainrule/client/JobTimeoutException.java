package dev.chainrule.client;

/** {@link ChainruleClient#waitForJob} gave up: the job had not finished when the timeout ran out. */
public class JobTimeoutException extends ChainruleException {
    private final Job lastSeen;

    public JobTimeoutException(String message, Job lastSeen) {
        super(message);
        this.lastSeen = lastSeen;
    }

    /** The job as last seen before giving up (null if it was never fetched); it goes on running. */
    public Job lastSeen() {
        return lastSeen;
    }
}
