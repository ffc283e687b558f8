package dev.chainrule.client;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The event-stream parser on the cases of the HTML standard's examples (the live tests cover the service's own stream). */
class ServerSentEventsTest {

    private static ServerSentEvents of(String text) {
        return new ServerSentEvents(new BufferedReader(new StringReader(text)));
    }

    @Test
    void readsNamedEventsWithAndWithoutTheSpaceAfterTheColon() throws IOException {
        ServerSentEvents events = of("event:epoch\nid:j/1\ndata:{\"epoch\":1}\n\nevent: end\nid: j/end\ndata: {}\n\n");
        assertEquals(new ServerSentEvents.Event("epoch", "j/1", "{\"epoch\":1}"), events.next());
        assertEquals(new ServerSentEvents.Event("end", "j/end", "{}"), events.next());
        assertNull(events.next());
    }

    @Test
    void joinsDataLinesSkipsCommentsAndCrLf() throws IOException {
        ServerSentEvents events = of(": keep-alive\r\ndata:first\r\ndata:second\r\n\r\n\r\nretry:10\ndata\n\n");
        assertEquals(new ServerSentEvents.Event("message", null, "first\nsecond"), events.next());
        assertEquals(new ServerSentEvents.Event("message", null, ""), events.next(), "a bare 'data' line is empty data");
        assertNull(events.next());
    }

    @Test
    void dropsAnEventCutOffByTheEndOfTheStream() throws IOException {
        ServerSentEvents events = of("event:epoch\ndata:{\"epoch\":1}\n\nevent:epoch\ndata:{\"epo");
        assertEquals("{\"epoch\":1}", events.next().data());
        assertNull(events.next(), "the second event never got its blank line");
    }
}
