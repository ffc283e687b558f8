package dev.chainrule.api.problem;

import static dev.chainrule.api.Access.READ;

import dev.chainrule.api.RequiredAccess;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The servlet container's error page (server.error.path, /error), in place of Spring Boot's whitelabel page: what
 * reaches it (an error a filter or the container sent with sendError, an exception no controller advice saw)
 * leaves as a problem detail like every other error, whatever the client accepts.
 */
@RestController
class ProblemErrorController implements ErrorController {
    private static final Logger log = LoggerFactory.getLogger(ProblemErrorController.class);

    @RequiredAccess(READ)
    @RequestMapping("${server.error.path:${error.path:/error}}")
    ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
        HttpStatus status = status(request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE));
        Object error = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        String detail;
        if (status.is5xxServerError()) {
            if (error instanceof Throwable thrown) {
                log.error("unexpected error outside the controllers", thrown);
            }
            detail = "the service failed to handle this request; it has been logged";
        } else if (request.getAttribute(RequestDispatcher.ERROR_MESSAGE) instanceof String message && !message.isBlank()) {
            detail = message;
        } else {
            detail = status.getReasonPhrase();
        }
        ProblemDetail problem = ApiExceptionHandler.problem(status, ContainerErrorHandler.type(status.value()),
                status.getReasonPhrase(), detail);
        if (request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI) instanceof String uri) {
            try {
                problem.setInstance(URI.create(uri));
            } catch (IllegalArgumentException e) {
                // not a valid URI reference: the problem goes without an instance
            }
        }
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }

    /** The error's status; a request for the error page itself, which has none, is not found. */
    private static HttpStatus status(Object code) {
        if (code instanceof Integer value) {
            HttpStatus status = HttpStatus.resolve(value);
            if (status != null) {
                return status;
            }
            return value >= 500 ? HttpStatus.INTERNAL_SERVER_ERROR : HttpStatus.BAD_REQUEST;
        }
        return HttpStatus.NOT_FOUND;
    }
}
