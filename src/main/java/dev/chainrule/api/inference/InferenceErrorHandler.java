package dev.chainrule.api.inference;

import dev.chainrule.model.ModelNotFoundException;
import dev.chainrule.model.VersionNotFoundException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Errors of the Open Inference Protocol routes in the protocol's own shape, {"error": "..."} as application/json
 * (not the RFC 9457 problems of the rest of the API): 400 for a request the model cannot take (a model with no
 * trained version included), 404 for a model or version that does not exist. Ahead of the service's own handler.
 */
@RestControllerAdvice(assignableTypes = InferenceController.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class InferenceErrorHandler {
    private static final Logger log = LoggerFactory.getLogger(InferenceErrorHandler.class);

    @ExceptionHandler(InferenceException.class)
    ResponseEntity<Map<String, String>> refused(InferenceException e) {
        return error(e.status(), e.getMessage());
    }

    @ExceptionHandler(ModelNotFoundException.class)
    ResponseEntity<Map<String, String>> noModel(ModelNotFoundException e) {
        return error(HttpStatus.NOT_FOUND, e.getMessage());
    }

    @ExceptionHandler(VersionNotFoundException.class)
    ResponseEntity<Map<String, String>> noVersion(VersionNotFoundException e) {
        return error(e.untrained() ? HttpStatus.BAD_REQUEST : HttpStatus.NOT_FOUND, e.getMessage());
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Map<String, String>> unexpected(Exception e) {
        if (e instanceof ErrorResponse framework && framework.getStatusCode().value() < 500) {
            // what the web framework refuses itself (an Accept it cannot serve, ...), in the protocol's shape
            String detail = framework.getBody().getDetail();
            return error(HttpStatus.valueOf(framework.getStatusCode().value()), detail == null ? e.getMessage() : detail);
        }
        log.error("Open Inference Protocol request failed", e);
        return error(HttpStatus.INTERNAL_SERVER_ERROR, "internal error: " + e.getClass().getSimpleName());
    }

    static ResponseEntity<Map<String, String>> error(HttpStatus status, String message) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(Map.of("error", message));
    }
}
