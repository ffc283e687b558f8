package dev.chainrule.testhttp;

import tools.jackson.databind.JsonNode;

/** One Server-Sent Event: its type ("message" when unnamed), its id (null when none) and its data. */
public record ServerSentEvent(String event, String id, String data) {
    public JsonNode json() {
        return TestHttp.JSON.readTree(data);
    }
}
