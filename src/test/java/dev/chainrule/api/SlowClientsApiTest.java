package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.testhttp.Reply;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;

/**
 * Slow and stuck clients do not starve the others: {@value #SLOW_CONNECTIONS} connections that each send a byte of
 * their request headers a second stay open while predictions keep answering; a connection that sends nothing is
 * closed after server.jetty.connection-idle-timeout; a body that trickles in below chainrule.http.min-request-data-rate
 * is cut off with a 408 problem. Bounds here are generous (a prediction within seconds, not a latency target); the latencies seen are
 * printed ("slow clients:") for bench/results.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "server.jetty.connection-idle-timeout=5s", "chainrule.http.min-request-data-rate=1KB"})
class SlowClientsApiTest extends ApiTestSupport {
    static final int SLOW_CONNECTIONS = 300;
    static final Duration HELD = Duration.ofSeconds(8);
    /** A bound no prediction of a tiny model comes near unless it was starved. */
    static final Duration GENEROUS = Duration.ofSeconds(5);

    @Test
    void predictionsKeepAnsweringWhileHundredsOfClientsSendHeadersAByteASecond() throws Exception {
        String modelId = trainedTinyModel();
        List<Socket> slow = new ArrayList<>();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        try {
            for (int i = 0; i < SLOW_CONNECTIONS; i++) {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                socket.getOutputStream().write("GET /models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
                slow.add(socket);
            }
            // the trickle on a thread of its own, a byte a second to each, however long a prediction takes
            java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger(SLOW_CONNECTIONS);
            java.util.concurrent.ScheduledExecutorService trickle = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
            trickle.scheduleAtFixedRate(() -> {
                int stillOpen = 0;
                for (Socket socket : slow) {
                    try {
                        socket.getOutputStream().write('a');
                        stillOpen++;
                    } catch (IOException e) {
                        // closed by the server: counted
                    }
                }
                open.set(stillOpen);
            }, 0, 1, java.util.concurrent.TimeUnit.SECONDS);
            try {
                long end = System.nanoTime() + HELD.toNanos();
                while (System.nanoTime() < end) {
                    long start = System.nanoTime();
                    Reply predicted = post("/models/" + modelId + "/predict", "{\"instances\": [[0, 0], [1, 1]]}");
                    long took = System.nanoTime() - start;
                    assertThat(predicted.status()).as(predicted.body()).isEqualTo(200);
                    assertThat(Duration.ofNanos(took)).as("a prediction while %d clients trickle", open.get()).isLessThan(GENEROUS);
                    latencies.add(took);
                }
            } finally {
                trickle.shutdownNow();
                trickle.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
            }
            assertThat(open.get()).as("slow connections still open at the end (none given up by the server)").isEqualTo(SLOW_CONNECTIONS);
        } finally {
            for (Socket socket : slow) {
                socket.close();
            }
        }
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        System.out.printf("slow clients: %d connections sending a header byte a second for %d s; %d predictions, "
                        + "p50 %.2f ms, p99 %.2f ms, max %.2f ms%n", SLOW_CONNECTIONS, HELD.toSeconds(), sorted.size(),
                sorted.get(sorted.size() / 2) / 1e6, sorted.get(sorted.size() * 99 / 100) / 1e6, sorted.get(sorted.size() - 1) / 1e6);
        assertThat(sorted.size()).as("predictions made").isGreaterThan(10);
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAfterTheIdleTimeout() throws Exception {
        try (Socket idle = new Socket()) {
            idle.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            idle.setSoTimeout(20_000);
            long start = System.nanoTime();
            assertThat(idle.getInputStream().read()).as("the server closes the idle connection").isEqualTo(-1);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            System.out.println("slow clients: an idle connection closed after " + took.toMillis() + " ms (idle timeout 5 s)");
            assertThat(took).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(20));
        }
    }

    @Test
    void aBodyThatTricklesInBelowTheMinimumRateIsCutOff() throws Exception {
        String modelId = trainedTinyModel();
        try (Socket trickle = new Socket()) {
            trickle.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            trickle.setSoTimeout(1000);
            OutputStream out = trickle.getOutputStream();
            String body = "{\"instances\": [[0, 0]]}" + " ".repeat(5000);
            out.write(("POST /models/" + modelId + "/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = trickle.getInputStream();
            long start = System.nanoTime();
            StringBuilder answer = new StringBuilder();
            boolean closed = false;
            for (int i = 0; i < 30 && !closed; i++) {
                try {
                    out.write(body.charAt(Math.min(i, body.length() - 1)));
                    out.flush();
                } catch (IOException e) {
                    closed = true;
                    break;
                }
                try {
                    int b;
                    while ((b = in.read()) >= 0) {
                        answer.append((char) b);
                    }
                    closed = true;
                } catch (SocketTimeoutException e) {
                    // nothing yet: another byte
                } catch (IOException e) {
                    closed = true;
                }
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            System.out.println("slow clients: a body at a byte a second cut off after " + took.toMillis() + " ms, answer: "
                    + answer.toString().lines().findFirst().orElse("(none)"));
            assertThat(closed).as("the server gave up on a body arriving at a byte a second").isTrue();
            assertThat(answer.toString()).startsWith("HTTP/1.1 408").contains("application/problem+json")
                    .contains("\"type\":\"/problems/request-timeout\"").contains("chainrule.http.min-request-data-rate");
        }
    }

    private String trainedTinyModel() {
        JsonNode model = createModel(2, "cross_entropy", 7, layer(4, "tanh"), layer(2, "softmax"));
        String modelId = model.get("id").asString();
        JsonNode job = train(obj("modelId", modelId, "epochs", 2, "batchSize", 4,
                "optimizer", obj("type", "adam", "learningRate", 0.05),
                "data", data(List.of(List.of(0, 0), List.of(0, 1), List.of(1, 0), List.of(1, 1)), List.of(0, 1, 1, 0))));
        assertThat(status(awaitEnd(job.get("id").asString(), Duration.ofSeconds(60)))).isEqualTo("SUCCEEDED");
        return modelId;
    }
}
