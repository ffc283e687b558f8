package dev.chainrule.training;

/**
 * A replica's claim on one run of a job: every write of the job's state names it, and changes nothing once another
 * claim (a higher attempt) has replaced it.
 *
 * @param attempt how many times the job has been claimed, this claim included
 */
record JobLease(String jobId, String owner, int attempt) {
}
