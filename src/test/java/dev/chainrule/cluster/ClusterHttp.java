package dev.chainrule.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Real HTTP to one address (the balancer or one replica): JSON in and out, CSV uploads, and Server-Sent Events
 * read line by line as they arrive. {@link #routedTo} asks the {@link Balancer} for a given replica.
 */
public final class ClusterHttp {
    public static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final URI base;
    private final String route;
    private final Duration timeout;

    public ClusterHttp(URI base) {
        this(base, null, Duration.ofSeconds(60));
    }

    private ClusterHttp(URI base, String route, Duration timeout) {
        this.base = base;
        this.route = route;
        this.timeout = timeout;
    }

    /** The same address, with every request asking the balancer for the replica named {@code replica}. */
    public ClusterHttp routedTo(String replica) {
        return new ClusterHttp(base, replica, timeout);
    }

    /** The same address with another per-request timeout (e.g. short, while a replica may be frozen). */
    public ClusterHttp withTimeout(Duration requestTimeout) {
        return new ClusterHttp(base, route, requestTimeout);
    }

    public URI base() {
        return base;
    }

    /** One HTTP exchange. */
    public record Reply(int status, HttpHeaders headers, String body) {
        public JsonNode json() {
            return JSON.readTree(body);
        }

        /** The replica that answered, as the balancer names it (empty when asked directly). */
        public String servedBy() {
            return headers.firstValue(Balancer.SERVED_BY).orElse("");
        }

        @Override
        public String toString() {
            return status + " from " + servedBy() + ": " + body;
        }
    }

    public Reply get(String path) {
        return send(request(path).GET());
    }

    public Reply delete(String path) {
        return send(request(path).DELETE());
    }

    /** POSTs {@code body} as JSON (no body when null). */
    public Reply post(String path, Object body) {
        HttpRequest.Builder request = request(path);
        if (body == null) {
            request.POST(HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body), StandardCharsets.UTF_8));
        }
        return send(request);
    }

    /** POSTs a file as text/csv (POST /datasets?name=...&target=...). */
    public Reply postCsv(String path, Path csv) {
        try {
            return send(request(path).header("Content-Type", "text/csv").POST(HttpRequest.BodyPublishers.ofFile(csv)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A call that must answer {@code expected}; its JSON body. */
    public JsonNode expect(int expected, Reply reply, String what) {
        if (reply.status() != expected) {
            throw new AssertionError(what + ": expected " + expected + ", got " + reply);
        }
        return reply.body().isEmpty() ? null : reply.json();
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout);
        if (route != null) {
            request.header(Balancer.ROUTE, route);
        }
        return request;
    }

    private Reply send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(request.build().method() + " " + request.build().uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** One Server-Sent Event. */
    public record Event(String event, String id, String data) {
        public JsonNode json() {
            return JSON.readTree(data);
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
        try {
            HttpResponse<Stream<String>> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofLines());
            return new EventStream(response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An open event stream; {@link #next} hands out its events in arrival order, empty once it closed. */
    public static final class EventStream implements AutoCloseable {
        private static final Event CLOSED = new Event("", "", "");
        private final HttpResponse<Stream<String>> response;
        private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        private final Thread reader;

        EventStream(HttpResponse<Stream<String>> response) {
            this.response = response;
            this.reader = new Thread(this::read, "sse-reader");
            reader.setDaemon(true);
            reader.start();
        }

        public int status() {
            return response.statusCode();
        }

        public String servedBy() {
            return response.headers().firstValue(Balancer.SERVED_BY).orElse("");
        }

        private void read() {
            String event = "message";
            String id = null;
            StringBuilder data = new StringBuilder();
            try {
                Iterator<String> lines = response.body().iterator();
                while (lines.hasNext()) {
                    String line = lines.next();
                    if (line.isEmpty()) {
                        if (!data.isEmpty()) {
                            events.add(new Event(event, id, data.toString()));
                        }
                        event = "message";
                        id = null;
                        data.setLength(0);
                    } else if (line.startsWith("event:")) {
                        event = line.substring(6).strip();
                    } else if (line.startsWith("id:")) {
                        id = line.substring(3).strip();
                    } else if (line.startsWith("data:")) {
                        if (!data.isEmpty()) {
                            data.append('\n');
                        }
                        data.append(line.substring(5).strip());
                    }
                }
            } catch (UncheckedIOException broken) {
                // the connection broke (its replica died): the stream is over, as when the server closes it
            } finally {
                events.add(CLOSED);
            }
        }

        /** The next event, or null when the stream closed or nothing came within {@code wait}. */
        public Event next(Duration wait) {
            try {
                Event event = events.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
                if (event == CLOSED) {
                    events.add(CLOSED); // closed stays closed for the next caller
                    return null;
                }
                return event;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** Whether the stream has closed and every event before that was handed out. */
        public boolean closed() {
            return events.peek() == CLOSED;
        }

        @Override
        public void close() {
            response.body().close();
            reader.interrupt();
        }
    }
}
