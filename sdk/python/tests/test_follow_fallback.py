"""wait() when the event stream cannot be had: a real HTTP proxy in front of the live service that passes every
request on but will not stream (as some proxies do), so the client has to poll."""
from __future__ import annotations

import http.client
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import chainrule
from chainrule._follow import JobFollower, ProgressBar
from conftest import define_iris

PASSED_HEADERS = ("content-type", "retry-after", "www-authenticate", "location")


def proxy_to(base_url: str, events_answer: int, events_type: str):
    upstream = urllib.parse.urlsplit(base_url)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            if self.path.split("?")[0].endswith("/events"):
                payload = b"this proxy does not stream"
                self.send_response(events_answer)
                self.send_header("Content-Type", events_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type",
                                                                              "accept")}
            conn.request(self.command, self.path, body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
            conn.close()
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() in PASSED_HEADERS:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _forward

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.mark.parametrize("answer, content_type", [(200, "text/plain"), (406, "text/plain")])
def test_wait_polls_when_the_stream_is_not_an_event_stream(base_url, api_key, iris, answer, content_type) -> None:
    server = proxy_to(base_url, answer, content_type)
    try:
        with chainrule.Client(f"http://127.0.0.1:{server.server_address[1]}", api_key=api_key) as through_proxy:
            _, features, targets = iris
            model = define_iris(through_proxy, "iris-proxy")
            job = through_proxy.train(model, features, targets, epochs=6, batch_size=8)
            seen = []
            follower = JobFollower(through_proxy._http, job.id, seen.append, ProgressBar(False, 6, job.id), None,
                                   0.05)
            final = follower.run(events=True)
            assert not follower.used_events
            assert final.status == "SUCCEEDED" and [e.epoch for e in seen] == list(range(1, 7))
            again = []
            assert through_proxy.wait(job, on_epoch=again.append, timeout=60) == final and again == seen
    finally:
        server.shutdown()
        server.server_close()
