package dev.chainrule.api.dataset;

import static dev.chainrule.api.Access.ADMIN;
import static dev.chainrule.api.Access.READ;

import dev.chainrule.api.RequiredAccess;
import dev.chainrule.api.paging.PageResponse;
import dev.chainrule.api.paging.Paging;
import dev.chainrule.api.problem.FieldErrors;
import dev.chainrule.api.problem.InvalidRequestException;
import dev.chainrule.dataset.DatasetService;
import dev.chainrule.dataset.StoredDataset;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * Datasets: upload a CSV (a raw body, or a multipart form's {@code file} part), list, show, delete. The upload is
 * parsed while it streams in, so a large file needs no more memory than a small one.
 */
@RestController
@RequestMapping("/datasets")
class DatasetController {
    static final String DEFAULT_NAME = "dataset";
    static final int MAX_NAME_LENGTH = 200;

    private final DatasetService datasets;

    DatasetController(DatasetService datasets) {
        this.datasets = datasets;
    }

    /** The CSV as the request body: text/csv, or application/octet-stream (e.g. gzip-compressed bytes). */
    @RequiredAccess(ADMIN)
    @PostMapping(consumes = {"text/csv", MediaType.APPLICATION_OCTET_STREAM_VALUE})
    ResponseEntity<DatasetResponse> uploadBody(HttpServletRequest request, @RequestParam(required = false) String name)
            throws IOException {
        String datasetName = name(name, null);
        List<String> targets = targets(request.getParameterValues("target"));
        try (InputStream body = request.getInputStream()) {
            return created(datasets.upload(body, "body", datasetName, targets));
        }
    }

    /** The CSV as the part {@code file} of a multipart form, with name and target as form fields. */
    @RequiredAccess(ADMIN)
    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    ResponseEntity<DatasetResponse> uploadForm(@RequestPart("file") MultipartFile file, @RequestParam(required = false) String name,
                                               HttpServletRequest request) throws IOException {
        String datasetName = name(name, file.getOriginalFilename());
        List<String> targets = targets(request.getParameterValues("target"));
        String source = file.getOriginalFilename() == null || file.getOriginalFilename().isBlank() ? "file" : file.getOriginalFilename();
        try (InputStream in = file.getInputStream()) {
            return created(datasets.upload(in, source, datasetName, targets));
        }
    }

    @RequiredAccess(READ)
    @GetMapping
    PageResponse<DatasetResponse> list(@RequestParam(defaultValue = "0") int page, @RequestParam(defaultValue = "20") int size) {
        Paging.check(page, size);
        return PageResponse.of(datasets.list(page, size).map(DatasetResponse::of));
    }

    @RequiredAccess(READ)
    @GetMapping("/{id}")
    DatasetResponse get(@PathVariable String id) {
        return DatasetResponse.of(datasets.get(id));
    }

    @RequiredAccess(ADMIN)
    @DeleteMapping("/{id}")
    ResponseEntity<Void> delete(@PathVariable String id) {
        datasets.delete(id);
        return ResponseEntity.noContent().build();
    }

    private static ResponseEntity<DatasetResponse> created(StoredDataset dataset) {
        URI location = ServletUriComponentsBuilder.fromCurrentContextPath().path("/datasets/{id}").buildAndExpand(dataset.id()).toUri();
        return ResponseEntity.created(location).body(DatasetResponse.of(dataset));
    }

    /** The given name, else the uploaded file's name without .gz and .csv, else "dataset". */
    private static String name(String given, String fileName) {
        if (given != null) {
            if (given.isBlank() || given.length() > MAX_NAME_LENGTH) {
                throw new InvalidRequestException(List.of(new InvalidRequestException.FieldError("name",
                        "must be 1 to " + MAX_NAME_LENGTH + " characters, not blank; got " + given.length())));
            }
            return given.strip();
        }
        if (fileName == null || fileName.isBlank()) {
            return DEFAULT_NAME;
        }
        String base = fileName.replaceFirst("^.*[/\\\\]", ""); // browsers may send a path
        for (String suffix : List.of(".gz", ".csv")) {
            if (base.toLowerCase(Locale.ROOT).endsWith(suffix) && base.length() > suffix.length()) {
                base = base.substring(0, base.length() - suffix.length());
            }
        }
        base = base.strip();
        return base.isEmpty() ? DEFAULT_NAME : base.substring(0, Math.min(base.length(), MAX_NAME_LENGTH));
    }

    /**
     * The target columns as sent, read from the request itself: Spring's conversion of a single value to a list
     * would split a name with a comma in it and drop an empty one.
     */
    private static List<String> targets(String[] values) {
        if (values == null || values.length == 0) {
            return List.of();
        }
        List<String> given = Arrays.asList(values);
        FieldErrors errors = new FieldErrors();
        for (int i = 0; i < given.size(); i++) {
            if (given.get(i) == null || given.get(i).isBlank()) {
                errors.add("target[" + i + "]", "must name a column of the header, got an empty name");
            }
        }
        List<String> names = given.stream().map(t -> t == null ? "" : t.strip()).toList();
        if (errors.isEmpty() && new HashSet<>(names).size() != names.size()) {
            errors.add("target", "names a column more than once: " + names);
        }
        errors.throwIfAny();
        return names;
    }
}
