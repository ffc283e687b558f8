package dev.chainrule.api.problem;

import dev.chainrule.dataset.DatasetInUseException;
import dev.chainrule.dataset.DatasetNotFoundException;
import dev.chainrule.dataset.DatasetTooLargeException;
import dev.chainrule.dataset.InvalidCsvException;
import dev.chainrule.model.AliasInUseException;
import dev.chainrule.model.AliasNotFoundException;
import dev.chainrule.model.ModelInUseException;
import dev.chainrule.model.ModelNotFoundException;
import dev.chainrule.model.VersionNotFoundException;
import dev.chainrule.training.JobNotFoundException;
import dev.chainrule.training.QueueFullException;
import java.net.URI;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.i18n.LocaleContextHolder;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.transaction.TransactionException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.InputCoercionException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Every error leaves as an RFC 9457 problem detail: a type, a title, the status, a detail saying what to
 * change, and for invalid requests an "errors" list of {field, reason}. Spring's own errors (unknown route,
 * wrong method, unreadable body) get the same shape through the base class.
 */
@RestControllerAdvice
public class ApiExceptionHandler extends ResponseEntityExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    /** chainrule.limits.max-dataset-size, which the servlet container enforces on multipart uploads. */
    private final long maxDatasetBytes;
    private final FaultResponses faults;

    ApiExceptionHandler(dev.chainrule.config.ChainruleProperties properties, FaultResponses faults) {
        this.maxDatasetBytes = properties.limits().maxDatasetSize().toBytes();
        this.faults = faults;
    }

    public static ProblemDetail problem(HttpStatus status, String type, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create("/problems/" + type));
        problem.setTitle(title);
        return problem;
    }

    /** A 400 invalid-request about one field. */
    static ProblemDetail invalidField(String field, String reason) {
        return invalid(new InvalidRequestException(List.of(new InvalidRequestException.FieldError(field, reason))));
    }

    @ExceptionHandler(InvalidRequestException.class)
    static ProblemDetail invalid(InvalidRequestException e) {
        ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request", e.getMessage());
        problem.setProperty("errors", e.errors());
        return problem;
    }

    @ExceptionHandler({ModelNotFoundException.class, JobNotFoundException.class, DatasetNotFoundException.class})
    ProblemDetail notFound(RuntimeException e) {
        return problem(HttpStatus.NOT_FOUND, "not-found", "Not found", e.getMessage());
    }

    @ExceptionHandler(ReferenceNotFoundException.class)
    ProblemDetail referenceNotFound(ReferenceNotFoundException e) {
        ProblemDetail problem = problem(HttpStatus.NOT_FOUND, "not-found", "Not found", e.getMessage());
        problem.setProperty("errors", e.errors());
        return problem;
    }

    @ExceptionHandler(AliasNotFoundException.class)
    ProblemDetail aliasNotFound(AliasNotFoundException e) {
        return problem(HttpStatus.NOT_FOUND, "not-found", "Not found", e.getMessage());
    }

    @ExceptionHandler(AliasInUseException.class)
    ProblemDetail aliasInUse(AliasInUseException e) {
        return problem(HttpStatus.CONFLICT, "alias-in-use", "Alias in use", e.getMessage());
    }

    @ExceptionHandler(VersionNotFoundException.class)
    ProblemDetail version(VersionNotFoundException e) {
        return e.untrained()
                ? problem(HttpStatus.CONFLICT, "model-not-trained", "Model not trained", e.getMessage())
                : problem(HttpStatus.NOT_FOUND, "not-found", "Not found", e.getMessage());
    }

    @ExceptionHandler(ModelInUseException.class)
    ProblemDetail inUse(ModelInUseException e) {
        return problem(HttpStatus.CONFLICT, "model-in-use", "Model in use", e.getMessage());
    }

    @ExceptionHandler(dev.chainrule.training.ResultUnavailableException.class)
    ProblemDetail resultUnavailable(dev.chainrule.training.ResultUnavailableException e) {
        return problem(HttpStatus.CONFLICT, "result-unavailable", "Result unavailable", e.getMessage());
    }

    @ExceptionHandler(DatasetInUseException.class)
    ProblemDetail datasetInUse(DatasetInUseException e) {
        return problem(HttpStatus.CONFLICT, "dataset-in-use", "Dataset in use", e.getMessage());
    }

    /**
     * An uploaded CSV that cannot become a dataset: 400 with the 1-based line and the column (when one is to blame)
     * as properties, and one error naming what to fix: the target parameter for a target column the header lacks,
     * else the upload (the multipart part "file", or the raw "(body)").
     */
    @ExceptionHandler(InvalidCsvException.class)
    ProblemDetail invalidCsv(InvalidCsvException e, jakarta.servlet.http.HttpServletRequest request) {
        ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "invalid-csv", "Invalid CSV", e.getMessage());
        problem.setProperty("line", e.lineNumber());
        if (e.columnName() != null) {
            problem.setProperty("column", e.columnName());
        }
        String contentType = request.getContentType() == null ? "" : request.getContentType().toLowerCase(java.util.Locale.ROOT);
        String field = e.missingTargetColumn() ? "target" : contentType.startsWith("multipart/") ? "file" : "(body)";
        problem.setProperty("errors", List.of(new InvalidRequestException.FieldError(field, e.getMessage())));
        return problem;
    }

    @ExceptionHandler(DatasetTooLargeException.class)
    ProblemDetail datasetTooLarge(DatasetTooLargeException e) {
        return problem(HttpStatus.CONTENT_TOO_LARGE, "payload-too-large", "Payload too large", e.getMessage());
    }

    /** A multipart upload over its limit, which the servlet container counts itself while it stores the parts. */
    @Override
    protected ResponseEntity<Object> handleMaxUploadSizeExceededException(org.springframework.web.multipart.MaxUploadSizeExceededException e,
                                                                          HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE).headers(headers).body(problem(HttpStatus.CONTENT_TOO_LARGE,
                "payload-too-large", "Payload too large", new PayloadTooLargeException(maxDatasetBytes,
                        PayloadTooLargeException.DATASET_LIMIT).getMessage()));
    }

    @ExceptionHandler(QueueFullException.class)
    ResponseEntity<ProblemDetail> queueFull(QueueFullException e) {
        ProblemDetail problem = problem(HttpStatus.TOO_MANY_REQUESTS, "queue-full", "Training queue full", e.getMessage());
        return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
                .header(HttpHeaders.RETRY_AFTER, Integer.toString(e.retryAfterSeconds())).body(problem);
    }

    @ExceptionHandler(NonFiniteResultException.class)
    ProblemDetail nonFinite(NonFiniteResultException e) {
        ProblemDetail problem = problem(HttpStatus.UNPROCESSABLE_CONTENT, "non-finite-result", "Result not finite", e.getMessage());
        problem.setProperty("errors", e.errors());
        return problem;
    }

    @ExceptionHandler(PayloadTooLargeException.class)
    ProblemDetail tooLarge(PayloadTooLargeException e) {
        return problem(HttpStatus.CONTENT_TOO_LARGE, "payload-too-large", "Payload too large", e.getMessage());
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException e, HttpHeaders headers,
                                                                  HttpStatusCode status, WebRequest request) {
        PayloadTooLargeException tooLarge = causeOf(e, PayloadTooLargeException.class);
        if (tooLarge != null) {
            return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE).body(tooLarge(tooLarge));
        }
        ProblemDetail problem;
        MismatchedInputException mismatch = causeOf(e, MismatchedInputException.class);
        StreamReadException malformed = causeOf(e, StreamReadException.class);
        InputCoercionException outOfRange = causeOf(e, InputCoercionException.class);
        if (mismatch instanceof UnrecognizedPropertyException unknown) {
            String field = path(unknown);
            String reason = "is not a field of this request; known fields: " + unknown.getKnownPropertyIds();
            problem = invalidField(field, reason);
        } else if (outOfRange != null) {
            // valid JSON whose number does not fit the field (99999999999 for inputWidth): an invalid value of a
            // known field, not malformed JSON
            String field = path(outOfRange);
            String reason = "is out of range for " + expected(outOfRange.getTargetType());
            problem = invalidField(field, reason);
        } else if (mismatch != null) {
            String field = path(mismatch);
            String reason = "must be " + expected(elementType(mismatch));
            problem = invalidField(field, reason);
        } else if (malformed != null) {
            problem = problem(HttpStatus.BAD_REQUEST, "malformed-json", "Malformed JSON",
                    "the body is not valid JSON: " + malformed.getOriginalMessage()
                            + (malformed.getLocation() == null ? "" : " (line " + malformed.getLocation().getLineNr()
                            + ", column " + malformed.getLocation().getColumnNr() + ")"));
        } else {
            problem = problem(HttpStatus.BAD_REQUEST, "malformed-json", "Unreadable body",
                    "the request body is missing or is not the JSON this endpoint expects");
        }
        return ResponseEntity.badRequest().headers(headers).body(problem);
    }

    /**
     * Spring's own errors (405, 406, 415, unknown routes, missing parameters) come as problem details typed
     * "about:blank"; give them a type of ours like every other error, so clients can switch on it.
     */
    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception e, Object body, HttpHeaders headers,
                                                             HttpStatusCode statusCode, WebRequest request) {
        if (body == null && e instanceof ErrorResponse errorResponse) {
            // Spring builds the body after this call unless it exists already: build it here to type it
            body = errorResponse.updateAndGetBody(getMessageSource(), LocaleContextHolder.getLocale());
        }
        if (body instanceof ProblemDetail problem
                && (problem.getType() == null || "about:blank".equals(problem.getType().toString()))) {
            HttpStatus status = HttpStatus.resolve(statusCode.value());
            String kind = status == HttpStatus.BAD_REQUEST ? "invalid-request"
                    : status == null ? "error" : status.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
            problem.setType(URI.create("/problems/" + kind));
        }
        return super.handleExceptionInternal(e, body, headers, statusCode, request);
    }

    /**
     * A query parameter or path variable of the wrong type (?size=ten): an invalid request naming the parameter,
     * like every other 400, instead of the base class's untyped "Bad Request" without an errors list.
     */
    @Override
    protected ResponseEntity<Object> handleTypeMismatch(org.springframework.beans.TypeMismatchException e, HttpHeaders headers,
                                                        HttpStatusCode status, WebRequest request) {
        String field = e.getPropertyName() != null ? e.getPropertyName() : "(parameter)";
        String reason = "must be " + expected(e.getRequiredType()) + ", got '" + e.getValue() + "'";
        ProblemDetail problem = invalidField(field, reason);
        return ResponseEntity.badRequest().headers(headers).body(problem);
    }

    /** A database error: 503 when the database cannot be reached (see {@link FaultResponses}), else unexpected. */
    @ExceptionHandler({DataAccessException.class, TransactionException.class})
    ResponseEntity<Object> database(Exception e, jakarta.servlet.http.HttpServletRequest request) {
        return unexpected(e, request);
    }

    /**
     * Anything unexpected: a 500 problem without internals, logged with its stack trace. Unless it is a fault of what
     * the service depends on, wherever it was wrapped ({@link FaultResponses}: 503 or 507).
     */
    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> unexpected(Exception e, jakarta.servlet.http.HttpServletRequest request) {
        PayloadTooLargeException tooLarge = causeOf(e, PayloadTooLargeException.class);
        if (tooLarge != null) {
            return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE).body(tooLarge(tooLarge));
        }
        ResponseEntity<Object> fault = faults.answer(e, request);
        if (fault != null) {
            return fault;
        }
        log.error("unexpected error", e);
        return ResponseEntity.internalServerError().body(problem(HttpStatus.INTERNAL_SERVER_ERROR, "internal-error",
                "Internal error", "the service failed to handle this request; it has been logged"));
    }

    /**
     * The type the bad value should have had. Jackson reports a bad cell of a primitive array ("1.5" or null in
     * [[1, "1.5"]]) with the array as target type and "element of" in its message: the cell must then be of the
     * component type ("a number"), not "an array".
     */
    static Class<?> elementType(MismatchedInputException e) {
        Class<?> type = e.getTargetType();
        String message = e.getOriginalMessage();
        if (type != null && type.isArray() && message != null && message.contains("element of")) {
            return type.getComponentType();
        }
        return type;
    }

    /** What a field of this Java type looks like in JSON, for "must be ..." messages. */
    static String expected(Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == Double.class || type == double.class || type == Float.class || type == float.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type.isArray() || java.util.Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "an object";
    }

    /** "data.features[3][1]" from Jackson's path of property names and array indices. */
    static String path(JacksonException e) {
        StringBuilder out = new StringBuilder();
        for (JacksonException.Reference ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                if (!out.isEmpty()) {
                    out.append('.');
                }
                out.append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                out.append('[').append(ref.getIndex()).append(']');
            }
        }
        return out.isEmpty() ? "(body)" : out.toString();
    }

    private static <T extends Throwable> T causeOf(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }
}
