package dev.chainrule.api.prediction;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.springframework.core.ResolvableType;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpInputMessage;
import org.springframework.http.HttpOutputMessage;
import org.springframework.http.MediaType;
import org.springframework.http.converter.AbstractHttpMessageConverter;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.http.converter.json.JacksonJsonHttpMessageConverter;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads JSON predict requests (predict and its dry-run) with {@link PredictRequestJson} when the body has the plain
 * shape, and with Spring's Jackson converter otherwise, so that errors and unusual bodies are read exactly as
 * before. Spring puts converter beans ahead of its defaults.
 */
@Component
public class PredictRequestConverter extends AbstractHttpMessageConverter<PredictRequest> {
    private final JacksonJsonHttpMessageConverter jackson;

    /** @param json the application's mapper, which Spring's own JSON converter reads with too */
    PredictRequestConverter(JsonMapper json) {
        super(MediaType.APPLICATION_JSON);
        this.jackson = new JacksonJsonHttpMessageConverter(json);
    }

    @Override
    protected boolean supports(Class<?> type) {
        return type == PredictRequest.class;
    }

    @Override
    public boolean canWrite(Class<?> type, MediaType mediaType) {
        return false;
    }

    @Override
    protected PredictRequest readInternal(Class<? extends PredictRequest> type, HttpInputMessage input)
            throws IOException, HttpMessageNotReadableException {
        byte[] body;
        long declared = input.getHeaders().getContentLength();
        try (InputStream in = input.getBody()) {
            if (declared >= 0 && declared < Integer.MAX_VALUE - 8) {
                // one array of the declared size (RequestSizeLimitFilter refused any over the limit), filled in place
                body = new byte[(int) declared];
                int read = in.readNBytes(body, 0, body.length);
                body = read == body.length ? body : Arrays.copyOf(body, read);
            } else {
                body = in.readAllBytes(); // chunked: as large as RequestSizeLimitFilter lets it be
            }
        }
        Charset charset = charset(input.getHeaders().getContentType());
        PredictRequest plain = StandardCharsets.UTF_8.equals(charset) ? PredictRequestJson.read(body) : null;
        if (plain != null) {
            return plain;
        }
        return (PredictRequest) jackson.read(ResolvableType.forClass(PredictRequest.class), new BufferedBody(body,
                input.getHeaders()), null);
    }

    @Override
    protected void writeInternal(PredictRequest request, HttpOutputMessage output) {
        throw new UnsupportedOperationException("predict requests are only read");
    }

    /** UTF-8 for JSON without a charset (RFC 8259), and for US-ASCII, which is a subset. */
    private static Charset charset(MediaType type) {
        Charset declared = type == null ? null : type.getCharset();
        return declared == null || declared.equals(StandardCharsets.US_ASCII) ? StandardCharsets.UTF_8 : declared;
    }

    /** The body already read, handed to Jackson as if it came from the request. */
    private record BufferedBody(byte[] body, HttpHeaders headers) implements HttpInputMessage {
        @Override
        public InputStream getBody() {
            return new ByteArrayInputStream(body);
        }

        @Override
        public HttpHeaders getHeaders() {
            return headers;
        }
    }
}
