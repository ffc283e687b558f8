package dev.chainrule.testhttp;

import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.JsonNode;

/** One HTTP exchange as a test sees it: the status, the headers and the body (bytes; {@link #body} as UTF-8 text). */
public record Reply(int status, HttpHeaders headers, byte[] bytes) {

    public String body() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    public JsonNode json() {
        return TestHttp.JSON.readTree(bytes);
    }

    /** The first value of a header, or "" when there is none. */
    public String header(String name) {
        return headers.firstValue(name).orElse("");
    }

    public String contentType() {
        return header("Content-Type");
    }

    /** Whether the body is an RFC 9457 problem (application/problem+json). */
    public boolean isProblem() {
        return contentType().startsWith("application/problem+json");
    }

    /** A reply that must have {@code expected} status; its JSON body (null when empty). */
    public JsonNode expect(int expected, String what) {
        if (status != expected) {
            throw new AssertionError(what + ": expected " + expected + ", got " + this);
        }
        return bytes.length == 0 ? null : json();
    }

    @Override
    public String toString() {
        return status + " " + body();
    }
}
