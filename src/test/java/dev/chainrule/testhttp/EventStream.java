package dev.chainrule.testhttp;

import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** An open Server-Sent Events stream read on a thread of its own; {@link #next} hands out its events in arrival order. */
public final class EventStream implements AutoCloseable {
    private static final ServerSentEvent CLOSED = new ServerSentEvent("", "", "");
    private final HttpResponse<Stream<String>> response;
    private final BlockingQueue<ServerSentEvent> events = new LinkedBlockingQueue<>();
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

    /** The first value of a response header, or "" when there is none. */
    public String header(String name) {
        return response.headers().firstValue(name).orElse("");
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
                        events.add(new ServerSentEvent(event, id, data.toString()));
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
            // the connection broke (its server died): the stream is over, as when the server closes it
        } finally {
            events.add(CLOSED);
        }
    }

    /** The next event, or null when the stream closed or nothing came within {@code wait}. */
    public ServerSentEvent next(Duration wait) {
        try {
            ServerSentEvent event = events.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
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
