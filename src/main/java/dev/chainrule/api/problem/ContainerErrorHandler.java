package dev.chainrule.api.problem;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import tools.jackson.databind.json.JsonMapper;

/**
 * Jetty's own answers (a request it refuses before the application sees it: an ambiguous or badly encoded URI, a bad
 * Host header, headers or a URI too long, a malformed request line) as problem details instead of its HTML page.
 */
final class ContainerErrorHandler extends ErrorHandler {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The problem type of an error with this status, as the controller advice names Spring's own errors. */
    static String type(int status) {
        HttpStatus known = HttpStatus.resolve(status);
        if (status == HttpStatus.BAD_REQUEST.value()) {
            return "invalid-request";
        }
        return known == null ? "error" : known.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The problem as bytes: type, title, status and detail (Jetty's reason, which names what it refused). */
    static byte[] problem(int status, String reason) {
        HttpStatus known = HttpStatus.resolve(status);
        String title = known == null ? "Error" : known.getReasonPhrase();
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", "/problems/" + type(status));
        problem.put("title", title);
        problem.put("status", status);
        problem.put("detail", reason == null || reason.isBlank() ? title : reason);
        return JSON.writeValueAsBytes(problem);
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) throws IOException {
        // the cause stays in the log; the client gets the status and Jetty's reason
        byte[] body = problem(code, code >= 500 ? null : message);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /** A message Jetty could not parse (request line, headers), answered before there is a request. */
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        return ByteBuffer.wrap(problem(status, reason));
    }
}
