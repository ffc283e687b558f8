package dev.chainrule.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loopback TCP proxy in front of the real service that forwards every byte, except that it cuts a connection
 * once it has passed the first {@code epoch} event of a {@code GET /jobs/{id}/events} stream: the drop a client
 * sees when a network path or a load balancer ends a long stream. It records the request lines it forwarded.
 */
final class CuttingProxy implements AutoCloseable {
    private static final Pattern REQUEST_LINE = Pattern.compile("(GET|POST|PUT|DELETE) /\\S* HTTP/1\\.1$");

    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final AtomicInteger cuts = new AtomicInteger();
    private final List<String> requestLines = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    CuttingProxy(URI service) throws IOException {
        this.upstream = new InetSocketAddress(service.getHost(), service.getPort());
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "cutting-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** Event streams cut so far. */
    int cuts() {
        return cuts.get();
    }

    /** Every request line forwarded ({@code GET /jobs/... HTTP/1.1}), in order. */
    List<String> requestLines() {
        return List.copyOf(requestLines);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket service = new Socket(upstream.getAddress(), upstream.getPort());
                sockets.add(client);
                sockets.add(service);
                Connection connection = new Connection(client, service);
                start(connection::forwardRequests);
                start(connection::forwardResponses);
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private static void start(Runnable pump) {
        Thread thread = new Thread(pump, "cutting-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    /** One client connection and its connection to the service; HTTP/1.1 without pipelining, as HttpClient sends. */
    private final class Connection {
        private final Socket client;
        private final Socket service;
        private volatile boolean following;

        Connection(Socket client, Socket service) {
            this.client = client;
            this.service = service;
        }

        void forwardRequests() {
            StringBuilder pending = new StringBuilder();
            try (InputStream in = client.getInputStream(); OutputStream out = service.getOutputStream()) {
                byte[] buffer = new byte[8192];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    pending.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                    int end;
                    while ((end = pending.indexOf("\r\n")) >= 0) {
                        String line = pending.substring(0, end);
                        pending.delete(0, end + 2);
                        // a request line may follow the previous request's body (no line break after a body)
                        Matcher request = REQUEST_LINE.matcher(line);
                        if (request.find()) {
                            requestLines.add(request.group());
                            following = request.group().matches("GET /jobs/[^/ ]+/events HTTP/1\\.1");
                        }
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // one side closed
            } finally {
                closeBoth();
            }
        }

        void forwardResponses() {
            StringBuilder stream = new StringBuilder();
            try (InputStream in = service.getInputStream(); OutputStream out = client.getOutputStream()) {
                byte[] buffer = new byte[8192];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    if (following) {
                        int from = stream.length();
                        stream.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                        int event = stream.indexOf("event:epoch");
                        int eventEnd = event < 0 ? -1 : stream.indexOf("\n\n", event);
                        if (eventEnd >= 0) {
                            // pass the first epoch event whole, then drop the connection mid-stream
                            out.write(buffer, 0, eventEnd + 2 - from);
                            out.flush();
                            cuts.incrementAndGet();
                            return;
                        }
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // one side closed
            } finally {
                closeBoth();
            }
        }

        private void closeBoth() {
            try {
                client.close();
            } catch (IOException e) {
                // already closed
            }
            try {
                service.close();
            } catch (IOException e) {
                // already closed
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : sockets) {
            socket.close();
        }
    }
}
