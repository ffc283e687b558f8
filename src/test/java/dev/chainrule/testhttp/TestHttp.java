package dev.chainrule.testhttp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The tests' one HTTP client: real requests over java.net.http to one base address, with an optional API key (a
 * bearer token), extra headers (e.g. a balancer's route), JSON, CSV or byte bodies, and Server-Sent Events read as
 * they arrive. Immutable: {@link #withKey}, {@link #withHeader} and {@link #withTimeout} give a changed copy.
 * Tests of the wire itself (malformed requests, slow clients) keep their raw sockets.
 */
public final class TestHttp {
    public static final JsonMapper JSON = JsonMapper.builder().build();
    /** HTTP/1.1 so that a body of unknown length goes out chunked, as a streaming client would send it; no redirects. */
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();

    private final URI base;
    private final String key;
    private final Map<String, String> headers;
    private final Duration timeout;

    private TestHttp(URI base, String key, Map<String, String> headers, Duration timeout) {
        this.base = base;
        this.key = key;
        this.headers = Map.copyOf(headers);
        this.timeout = timeout;
    }

    /** The service on this port of the loopback address. */
    public static TestHttp at(int port) {
        return at(URI.create("http://127.0.0.1:" + port));
    }

    public static TestHttp at(URI base) {
        return new TestHttp(base, null, Map.of(), Duration.ofSeconds(60));
    }

    /** The same address with every request carrying {@code key} as a bearer token (null: no Authorization header). */
    public TestHttp withKey(String apiKey) {
        return new TestHttp(base, apiKey, headers, timeout);
    }

    /** The same address with this header on every request. */
    public TestHttp withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new TestHttp(base, key, more, timeout);
    }

    /** The same address with another per-request timeout (e.g. short, while a server may be frozen). */
    public TestHttp withTimeout(Duration requestTimeout) {
        return new TestHttp(base, key, headers, requestTimeout);
    }

    public URI base() {
        return base;
    }

    public String key() {
        return key;
    }

    /** The absolute URI of a path (with its query) on this address. */
    public URI uri(String path) {
        return base.resolve(path);
    }

    /** A request to {@code path}, for the exchanges the shortcuts below do not cover; {@link #send} adds key and headers. */
    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(uri(path));
    }

    public Reply get(String path) {
        return send(request(path).GET());
    }

    public Reply delete(String path) {
        return send(request(path).DELETE());
    }

    /** POSTs JSON: a String is sent as it is (for malformed bodies), null sends no body, anything else is serialised. */
    public Reply post(String path, Object body) {
        return call("POST", path, body);
    }

    /** PUTs JSON, as {@link #post}. */
    public Reply put(String path, Object body) {
        return call("PUT", path, body);
    }

    /** Any method, with a JSON body as {@link #post} takes it. */
    public Reply call(String method, String path, Object body) {
        return send(withJson(request(path), method, body));
    }

    /** POSTs bytes as the given content type. */
    public Reply post(String path, String contentType, byte[] body) {
        return post(path, contentType, HttpRequest.BodyPublishers.ofByteArray(body));
    }

    /** POSTs a body of any kind (e.g. a stream of unknown length, sent chunked) as the given content type. */
    public Reply post(String path, String contentType, HttpRequest.BodyPublisher body) {
        return send(request(path).header("Content-Type", contentType).POST(body));
    }

    /** POSTs a file as text/csv (e.g. POST /datasets?name=...). */
    public Reply postCsv(String path, Path csv) {
        try {
            return post(path, "text/csv", HttpRequest.BodyPublishers.ofFile(csv));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends a request built by the caller, with this client's key, headers and timeout unless the request set its own. */
    public Reply send(HttpRequest.Builder request) {
        HttpResponse<byte[]> response = exchange(request, HttpResponse.BodyHandlers.ofByteArray());
        return new Reply(response.statusCode(), response.headers(), response.body());
    }

    /** The same, with the caller's body handler (e.g. lines of a stream). */
    public <T> HttpResponse<T> exchange(HttpRequest.Builder request, HttpResponse.BodyHandler<T> handler) {
        HttpRequest built = prepare(request).build();
        try {
            return CLIENT.send(built, handler);
        } catch (IOException e) {
            throw new UncheckedIOException(built.method() + " " + built.uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Opens {@code GET path} as an event stream ({@code Last-Event-ID} sent when given) and reads it on a thread of
     * its own, so a test can act while events arrive.
     */
    public EventStream events(String path, String lastEventId) {
        HttpRequest.Builder request = request(path).timeout(Duration.ofSeconds(30)).header("Accept", "text/event-stream").GET();
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<Stream<String>> response = exchange(request, HttpResponse.BodyHandlers.ofLines());
        return new EventStream(response);
    }

    /** {@code data} gzip-compressed, as a client sends a compressed upload. */
    public static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Parses JSON text. */
    public static JsonNode json(String text) {
        return JSON.readTree(text);
    }

    private HttpRequest.Builder prepare(HttpRequest.Builder request) {
        HttpRequest peek = request.copy().build();
        if (peek.timeout().isEmpty()) {
            request.timeout(timeout);
        }
        if (key != null && peek.headers().firstValue("Authorization").isEmpty()) {
            request.header("Authorization", "Bearer " + key);
        }
        headers.forEach((name, value) -> {
            if (peek.headers().firstValue(name).isEmpty()) {
                request.header(name, value);
            }
        });
        return request;
    }

    private static HttpRequest.Builder withJson(HttpRequest.Builder request, String method, Object body) {
        if (body == null) {
            return request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        String text = body instanceof String s ? s : JSON.writeValueAsString(body);
        return request.header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8));
    }
}
