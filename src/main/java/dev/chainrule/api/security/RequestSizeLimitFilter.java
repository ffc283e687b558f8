package dev.chainrule.api.security;

import dev.chainrule.api.problem.ApiExceptionHandler;
import dev.chainrule.api.problem.PayloadTooLargeException;
import dev.chainrule.api.problem.ProblemResponse;
import dev.chainrule.config.ChainruleProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Enforces chainrule.limits.max-request-size, and chainrule.limits.max-dataset-size for dataset uploads
 * (POST /datasets): a declared Content-Length over the limit is refused before a byte is read (and up to
 * {@link ProblemResponse#MAX_DRAINED_BYTES} of it dropped after the answer); a chunked body is
 * counted as it is read and refused the moment it passes the limit.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
class RequestSizeLimitFilter extends OncePerRequestFilter {
    private final long requestLimit;
    private final long datasetLimit;
    /**
     * The largest model file a model within chainrule.limits.max-parameters makes: every parameter as float64,
     * plus room for its header (standardisation and metadata); at least the general request limit.
     */
    private final long importLimit;

    RequestSizeLimitFilter(ChainruleProperties properties) {
        this.requestLimit = properties.limits().maxRequestSize().toBytes();
        this.datasetLimit = properties.limits().maxDatasetSize().toBytes();
        this.importLimit = Math.max(requestLimit, properties.limits().maxParameters() * Double.BYTES + (16L << 20));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        boolean post = "POST".equals(request.getMethod());
        long limit = requestLimit;
        String setting = PayloadTooLargeException.REQUEST_LIMIT;
        if (post && "/datasets".equals(path)) {
            limit = datasetLimit;
            setting = PayloadTooLargeException.DATASET_LIMIT;
        } else if (post && "/models/import".equals(path)) {
            limit = importLimit;
            setting = PayloadTooLargeException.IMPORT_LIMIT;
        }
        if (request.getContentLengthLong() > limit) {
            ProblemResponse.refuse(request, response, ApiExceptionHandler.problem(HttpStatus.CONTENT_TOO_LARGE,
                    "payload-too-large", "Payload too large", new PayloadTooLargeException(limit, setting).getMessage()));
            return;
        }
        LimitedRequest limited = new LimitedRequest(request, limit, setting);
        chain.doFilter(limited, response);
        if (limited.exceeded) {
            ProblemResponse.drain(request, ProblemResponse.MAX_DRAINED_BYTES);
        }
    }

    /** A request whose body stream fails once more than {@code limit} bytes have been read. */
    private static final class LimitedRequest extends HttpServletRequestWrapper {
        private final long limit;
        private final String setting;
        private ServletInputStream stream;
        /** Whether the body passed the limit (and the rest of it is left unread). */
        private boolean exceeded;

        LimitedRequest(HttpServletRequest request, long limit, String setting) {
            super(request);
            this.limit = limit;
            this.setting = setting;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                ServletInputStream in = super.getInputStream();
                stream = new ServletInputStream() {
                    private long count;

                    @Override
                    public int read() throws IOException {
                        int b = in.read();
                        if (b >= 0) {
                            count(1);
                        }
                        return b;
                    }

                    @Override
                    public int read(byte[] buffer, int offset, int length) throws IOException {
                        int n = in.read(buffer, offset, length);
                        if (n > 0) {
                            count(n);
                        }
                        return n;
                    }

                    private void count(long n) {
                        count += n;
                        if (count > limit) {
                            exceeded = true;
                            throw new PayloadTooLargeException(limit, setting);
                        }
                    }

                    @Override
                    public boolean isFinished() {
                        return in.isFinished();
                    }

                    @Override
                    public boolean isReady() {
                        return in.isReady();
                    }

                    @Override
                    public void setReadListener(ReadListener listener) {
                        in.setReadListener(listener);
                    }
                };
            }
            return stream;
        }
    }
}
