package dev.chainrule.client;

import java.io.BufferedReader;
import java.io.IOException;

/**
 * Reads a {@code text/event-stream} one event at a time, as the HTML standard's parser does: {@code field:value}
 * lines (one space after the colon dropped), {@code :} comments, several {@code data} lines joined by newlines,
 * and a blank line that ends an event.
 */
final class ServerSentEvents {
    private final BufferedReader reader;

    ServerSentEvents(BufferedReader reader) {
        this.reader = reader;
    }

    /** One event: its name ("message" when the stream gave none), its id (or null) and its data. */
    record Event(String name, String id, String data) {
    }

    /** The next event, or null when the stream ended (an event cut off by the end is dropped, as the standard says). */
    Event next() throws IOException {
        String name = null;
        String id = null;
        StringBuilder data = null;
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.isEmpty()) {
                if (data != null) {
                    return new Event(name == null ? "message" : name, id, data.toString());
                }
                name = null;
                id = null;
                continue;
            }
            if (line.startsWith(":")) {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "event" -> name = value;
                case "id" -> id = value;
                case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                default -> {
                    // "retry" and unknown fields: nothing to do for a follower that falls back to polling
                }
            }
        }
        return null;
    }
}
