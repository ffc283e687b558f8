package dev.chainrule.api.scoring;

import static dev.chainrule.api.Access.ADMIN;
import static dev.chainrule.api.Access.READ;

import dev.chainrule.api.RequiredAccess;
import dev.chainrule.api.problem.InvalidRequestException;
import dev.chainrule.api.training.JobResponse;
import dev.chainrule.api.problem.ReferenceNotFoundException;
import dev.chainrule.api.model.VersionParameter;
import dev.chainrule.dataset.DatasetNotFoundException;
import dev.chainrule.dataset.DatasetService;
import dev.chainrule.dataset.StoredDataset;
import dev.chainrule.model.ModelService;
import dev.chainrule.model.ModelVersion;
import dev.chainrule.training.ScoringResults;
import dev.chainrule.training.ScoresFile;
import dev.chainrule.training.TrainingJob;
import dev.chainrule.training.TrainingJobService;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * Scoring a stored dataset with one version as a job (queued, followed and cancelled like training through /jobs),
 * and its result: metrics as JSON, every row's outputs as CSV or float32, streamed from the stored file.
 */
@RestController
class ScoringController {
    private final TrainingJobService jobs;
    private final ScoringResults results;
    private final ModelService models;
    private final DatasetService datasets;
    private final Clock clock;

    ScoringController(TrainingJobService jobs, ScoringResults results, ModelService models, DatasetService datasets,
                      Clock clock) {
        this.jobs = jobs;
        this.results = results;
        this.models = models;
        this.datasets = datasets;
        this.clock = clock;
    }

    @RequiredAccess(ADMIN)
    @PostMapping("/models/{id}/score")
    ResponseEntity<JobResponse> score(@PathVariable String id, @RequestBody ScoreRequest request) {
        models.get(id); // an unknown model is a 404 before anything about the body
        if (request.datasetId() == null || request.datasetId().isBlank()) {
            throw invalid("datasetId", "is required: the id of a stored dataset (POST /datasets)");
        }
        ModelVersion version = VersionParameter.resolve(models, id, VersionParameter.fromJson(request.version(), "version"),
                "version");
        StoredDataset dataset;
        try {
            dataset = datasets.get(request.datasetId());
        } catch (DatasetNotFoundException e) {
            throw new ReferenceNotFoundException("datasetId", e.getMessage());
        }
        int width = version.trainedModel().network().definition().inputWidth();
        List<String> features = dataset.summary().featureColumns();
        if (features.size() != width) {
            throw invalid("datasetId", "dataset " + dataset.id() + " has " + features.size()
                    + " feature columns; the model's input width is " + width);
        }
        TrainingJob job = jobs.submitScoring(id, version.number(), dataset);
        URI location = ServletUriComponentsBuilder.fromCurrentContextPath().path("/jobs/{id}").buildAndExpand(job.id()).toUri();
        return ResponseEntity.accepted().location(location).body(JobResponse.of(job, clock.instant()));
    }

    @RequiredAccess(READ)
    @GetMapping("/jobs/{id}/result")
    ScoringResultResponse result(@PathVariable String id) {
        ScoringResults.Result result = results.of(id);
        Map<String, Object> summary = result.summary();
        @SuppressWarnings("unchecked")
        Map<String, Object> metrics = (Map<String, Object>) summary.get("metrics");
        @SuppressWarnings("unchecked")
        List<String> columns = (List<String>) summary.get("columns");
        return new ScoringResultResponse(id, result.modelId(), result.scoring().version(), result.scoring().datasetId(),
                ((Number) summary.get("rows")).longValue(), columns, metrics, (String) summary.get("metricsOmitted"),
                new ScoringResultResponse.Links("/jobs/" + id + "/result.csv", "/jobs/" + id + "/result.f32"));
    }

    /**
     * The result as CSV, made from the stored float32 file as it streams; gzip-compressed with ?gzip=true. Written on
     * the request's thread (not an async StreamingResponseBody, whose timeout would cut a long download short).
     */
    @RequiredAccess(READ)
    @GetMapping("/jobs/{id}/result.csv")
    void csv(@PathVariable String id, @RequestParam(required = false) String gzip, HttpServletResponse response)
            throws IOException {
        boolean compressed = flag(gzip, "gzip");
        ScoringResults.Result result = results.of(id);
        response.setContentType(compressed ? "application/gzip" : "text/csv;charset=US-ASCII");
        response.setHeader(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment()
                .filename("scores-" + id + (compressed ? ".csv.gz" : ".csv")).build().toString());
        try (InputStream in = results.open(result)) {
            OutputStream out = response.getOutputStream();
            if (compressed) {
                GZIPOutputStream zipped = new GZIPOutputStream(out, 1 << 16);
                ScoresFile.writeCsv(in, zipped);
                zipped.finish();
            } else {
                ScoresFile.writeCsv(in, out);
            }
            out.flush();
        }
    }

    /** The stored result file as it is: a JSON header, then float32 rows (docs/scoring.md). */
    @RequiredAccess(READ)
    @GetMapping("/jobs/{id}/result.f32")
    void float32(@PathVariable String id, HttpServletResponse response) throws IOException {
        ScoringResults.Result result = results.of(id);
        response.setContentType(MediaType.APPLICATION_OCTET_STREAM_VALUE);
        response.setHeader(HttpHeaders.CONTENT_DISPOSITION,
                ContentDisposition.attachment().filename("scores-" + id + ".f32").build().toString());
        try (InputStream in = results.open(result)) {
            in.transferTo(response.getOutputStream());
        }
    }

    private static boolean flag(String value, String field) {
        if (value == null || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        throw invalid(field, "must be true or false, got '" + value.replaceAll("\\p{Cntrl}", "?") + "'");
    }

    private static InvalidRequestException invalid(String field, String reason) {
        return new InvalidRequestException(List.of(new InvalidRequestException.FieldError(field, reason)));
    }
}
