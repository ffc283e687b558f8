package dev.chainrule.training;

/** Published (a Spring application event) when a job a worker of this replica ran reached its end. */
public record JobEnded(String jobId) {
}
