package dev.chainrule.training;

/** A job's scores were asked for where there are none: a training job, or a scoring job that has not succeeded. */
public class ResultUnavailableException extends RuntimeException {
    ResultUnavailableException(String message) {
        super(message);
    }
}
