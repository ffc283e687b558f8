package dev.chainrule.client;

import java.time.Instant;
import java.util.Map;

/**
 * One immutable set of trained parameters, made by a succeeded job.
 *
 * @param version        its number, 1, 2, ...
 * @param createdAt      when its job finished
 * @param jobId          the job that trained it
 * @param epochs         epochs the job ran
 * @param trainingLoss   training loss of the kept epoch
 * @param validationLoss validation loss of the kept epoch, or null without validation data
 * @param metrics        validation metrics of the kept epoch (training metrics without validation data)
 * @param provenance     what made it, as the service records it (the job's settings, the seed, the rows' checksum
 *                       and shape, the service's version and commit; importedFrom for an imported version); null for
 *                       versions stored before it was recorded
 */
public record ModelVersion(int version, Instant createdAt, String jobId, int epochs, double trainingLoss,
                           Double validationLoss, Map<String, Double> metrics, Map<String, Object> provenance) {
}
