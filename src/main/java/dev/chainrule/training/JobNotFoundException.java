package dev.chainrule.training;

/** No training job has this id. */
public class JobNotFoundException extends RuntimeException {
    public JobNotFoundException(String jobId) {
        super("no training job with id '" + jobId + "'");
    }
}
