package dev.chainrule.api.problem;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Requests Jetty refuses before the application sees them, and errors that reach the servlet container's error page,
 * sent byte for byte over a socket to the real server: every answer is an RFC 9457 problem (application/problem+json
 * with type, title, status and detail), never Jetty's HTML page nor Spring Boot's whitelabel page.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ContainerProblemHttpTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Value("${local.server.port}")
    int port;

    /** A raw HTTP/1.1 exchange: the status, the headers (names in lower case) and the body. */
    record Raw(int status, Map<String, String> headers, String body) {
    }

    private Raw send(String request) throws Exception {
        return send(request.getBytes(StandardCharsets.ISO_8859_1));
    }

    private Raw send(byte[] request) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            return read(socket.getInputStream());
        }
    }

    /** Reads one response: headers up to the blank line, then Content-Length bytes (or to the end of the stream). */
    private static Raw read(InputStream in) throws Exception {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            assertThat(b).as("the response ends within its headers: %s", head).isNotNegative();
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3)) ? matched + 1 : 0;
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        byte[] body;
        if (headers.containsKey("content-length")) {
            body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream chunks = new ByteArrayOutputStream();
            while (true) {
                String size = line(in);
                int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    break;
                }
                chunks.write(in.readNBytes(n));
                line(in);
            }
            body = chunks.toByteArray();
        } else {
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            try {
                in.transferTo(rest);
            } catch (SocketTimeoutException e) {
                // kept open without a length: what came is the body
            }
            body = rest.toByteArray();
        }
        return new Raw(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws Exception {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    /** The answer is a problem with this status, and its detail contains {@code detail}. */
    private static JsonNode assertProblem(Raw response, int status, String detail) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().get("content-type")).as(response.body()).startsWith("application/problem+json");
        JsonNode problem = JSON.readTree(response.body());
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("type").asString()).startsWith("/problems/");
        assertThat(problem.get("title").asString()).isNotBlank();
        assertThat(problem.get("detail").asString()).isNotBlank().containsIgnoringCase(detail);
        return problem;
    }

    private static String get(String target, String... headers) {
        return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + String.join("", headers) + "Connection: close\r\n\r\n";
    }

    @Test
    void anEncodedSlashInThePathIsAProblem() throws Exception {
        assertProblem(send(get("/models/a%2Fb")), 400, "ambiguous");
    }

    @Test
    void anInvalidPercentEncodingIsAProblem() throws Exception {
        assertProblem(send(get("/models/%zz")), 400, "bad request");
        assertProblem(send(get("/models?page=%zz")), 400, "bad query");
    }

    @Test
    void anInvalidContentLengthIsAProblem() throws Exception {
        assertProblem(send("POST /models HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ten\r\n\r\n{}"), 400, "content-length");
    }

    @Test
    void anEncodedDotSegmentIsAProblem() throws Exception {
        assertProblem(send(get("/ui/%2e%2e/models")), 400, "ambiguous");
    }

    @Test
    void aBadHostHeaderIsAProblem() throws Exception {
        assertProblem(send("GET /models HTTP/1.1\r\nHost: example.com:99x\r\nConnection: close\r\n\r\n"), 400, "host");
    }

    @Test
    void aMissingHostHeaderIsAProblem() throws Exception {
        assertProblem(send("GET /models HTTP/1.1\r\nConnection: close\r\n\r\n"), 400, "host");
    }

    @Test
    void headersTooLargeAreAProblem() throws Exception {
        assertProblem(send(get("/models", "X-Big: " + "a".repeat(20_000) + "\r\n")), 431, "too large");
    }

    @Test
    void aUriTooLongIsAProblem() throws Exception {
        assertProblem(send(get("/models?x=" + "a".repeat(20_000))), 414, "too long");
    }

    @Test
    void anUnknownHttpVersionIsAProblem() throws Exception {
        assertProblem(send("GET /models HTTP/7.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"), 505, "version");
    }

    @Test
    void aMalformedHeaderLineIsAProblem() throws Exception {
        assertProblem(send("GET /models HTTP/1.1\r\nHost: localhost\r\nNo colon here\r\nConnection: close\r\n\r\n"), 400, "illegal character");
    }

    @Test
    void anUnknownMethodOnAnUnknownPathIsAProblem() throws Exception {
        assertProblem(send("BREW /no/such/pot HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"), 404, "no/such/pot");
    }

    @Test
    void theErrorPageItselfIsAProblem() throws Exception {
        assertProblem(send(get("/error", "Accept: text/html\r\n")), 404, "not found");
    }
}
