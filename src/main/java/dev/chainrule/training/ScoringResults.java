package dev.chainrule.training;

import dev.chainrule.storage.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.springframework.stereotype.Service;
import tools.jackson.core.type.TypeReference;

/** Scoring jobs' results as their records name them: what each holds, and its file. */
@Service
public class ScoringResults {
    private static final TypeReference<Map<String, Object>> SUMMARY = new TypeReference<>() {
    };

    private final JobRepository records;
    private final BlobStore blobs;

    ScoringResults(JobRepository records, BlobStore blobs) {
        this.records = records;
        this.blobs = blobs;
    }

    /**
     * A finished scoring job's result.
     *
     * @param summary rows, columns, metrics (null when the dataset's targets could not be compared with the outputs)
     *                and metricsOmitted (why not, else null)
     */
    public record Result(String jobId, String modelId, ScoringSettings scoring, Map<String, Object> summary,
                         String file) {
    }

    /**
     * The job's result once it succeeded.
     *
     * @throws JobNotFoundException        when there is no such job
     * @throws ResultUnavailableException when the job is a training job, or has not succeeded (yet)
     */
    public Result of(String jobId) {
        JobRepository.JobRow row = records.find(jobId).orElseThrow(() -> new JobNotFoundException(jobId));
        if (row.kind() != JobKind.SCORING) {
            throw new ResultUnavailableException("job " + jobId + " is a training job: its result is a version of model "
                    + row.modelId() + ", not scores");
        }
        if (row.status() != JobStatus.SUCCEEDED || row.resultFile() == null) {
            throw new ResultUnavailableException("job " + jobId + " is " + row.status() + (row.status().isFinished()
                    ? " and has no result" : "; its result is there once it has SUCCEEDED"));
        }
        return new Result(row.id(), row.modelId(), row.scoring(),
                JobRepository.JSON.readValue(row.resultSummary(), SUMMARY), row.resultFile());
    }

    /** The result's float32 file (docs/scoring.md); the caller closes it. */
    public InputStream open(Result result) throws IOException {
        return blobs.open(result.file());
    }
}
