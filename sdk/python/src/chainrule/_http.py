"""HTTP on the standard library: one keep-alive connection per thread, error answers turned into exceptions.

``http.client`` (what ``urllib.request`` is built on) is used directly because ``urllib.request`` closes the
connection after every request; a client that predicts in a loop should not pay a TCP handshake each time.
"""
from __future__ import annotations

import http.client
import json
import ssl
import threading
import time
import urllib.parse
from typing import Any, Dict, Iterable, Mapping, Optional, Sequence, Tuple, Union

from . import errors
from .errors import ApiError, Problem, TransportError, TooManyRequests

Body = Union[None, bytes, Iterable[bytes]]
Params = Optional[Mapping[str, Any]]
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


class Response:
    """A whole answer (status, headers with lower-case names, body), or a live one to stream from."""

    def __init__(self, status: int, headers: Dict[str, str], body: bytes = b"",
                 stream: Optional[http.client.HTTPResponse] = None,
                 connection: Optional[http.client.HTTPConnection] = None) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.stream = stream
        self._connection = connection

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body else None

    def close(self) -> None:
        """Ends a streamed answer (its connection is its own, never reused)."""
        if self.stream is not None:
            self.stream.close()
        if self._connection is not None:
            self._connection.close()


class Transport:
    """Requests against one base URL, with default headers, a timeout and optional retries of 429."""

    def __init__(self, base_url: str, headers: Mapping[str, str], timeout: Optional[float],
                 ssl_context: Optional[ssl.SSLContext] = None, retry_on_429: bool = False,
                 max_attempts: int = 3, max_retry_wait: float = 60.0) -> None:
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base_url must be an http:// or https:// URL, got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._headers = dict(headers)
        self.timeout = timeout
        self._ssl = ssl_context
        self.retry_on_429 = retry_on_429
        self.max_attempts = max(1, max_attempts)
        self.max_retry_wait = max_retry_wait
        self._local = threading.local()
        self._all: "set[http.client.HTTPConnection]" = set()
        self._lock = threading.Lock()

    # -- connections -------------------------------------------------------------------------------------------

    def _new_connection(self, timeout: Optional[float]) -> http.client.HTTPConnection:
        if self._https:
            return http.client.HTTPSConnection(self._host, self._port, timeout=timeout, context=self._ssl)
        return http.client.HTTPConnection(self._host, self._port, timeout=timeout)

    def _pooled(self) -> Tuple[http.client.HTTPConnection, bool]:
        """This thread's connection, and whether it has been used before (so may have gone stale)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return conn, True
        conn = self._new_connection(self.timeout)
        self._local.conn = conn
        with self._lock:
            self._all.add(conn)
        return conn, False

    def _discard(self, conn: http.client.HTTPConnection) -> None:
        conn.close()
        if getattr(self._local, "conn", None) is conn:
            self._local.conn = None
        with self._lock:
            self._all.discard(conn)

    def close(self) -> None:
        """Closes every pooled connection (each thread opens a new one when it is used again)."""
        with self._lock:
            connections, self._all = list(self._all), set()
        for conn in connections:
            conn.close()
        self._local = threading.local()

    # -- requests ----------------------------------------------------------------------------------------------

    def url(self, path: str, params: Params = None) -> str:
        """The request target: the base URL's path, the path, and the query (lists repeat their name)."""
        query = ""
        if params:
            pairs = []
            for name, value in params.items():
                if value is None:
                    continue
                values: Sequence[Any] = value if isinstance(value, (list, tuple)) else [value]
                for v in values:
                    pairs.append((name, "true" if v is True else "false" if v is False else str(v)))
            query = urllib.parse.urlencode(pairs)
        return self._prefix + path + ("?" + query if query else "")

    def request(self, method: str, path: str, *, params: Params = None, body: Body = None,
                content_type: Optional[str] = None, accept: str = "application/json",
                timeout: Optional[float] = None, stream: bool = False) -> Response:
        """Sends a request; an error answer raises its :class:`ApiError`, no answer :class:`TransportError`.

        ``body`` is bytes (sent with Content-Length, replayable) or an iterable of bytes (sent chunked, once).
        ``stream=True`` returns the answer unread, on a connection of its own; close the :class:`Response`.
        """
        target = self.url(path, params)
        headers = dict(self._headers)
        headers["Accept"] = accept
        if content_type:
            headers["Content-Type"] = content_type
        replayable = body is None or isinstance(body, (bytes, bytearray, memoryview))
        attempt = 1
        while True:
            response = self._send(method, target, headers, body, replayable, timeout, stream)
            if response.status < 400:
                return response
            error = self._error(method, target, response)
            if (isinstance(error, TooManyRequests) and self.retry_on_429 and replayable
                    and attempt < self.max_attempts):
                wait = error.retry_after if error.retry_after is not None else 1.0
                if wait <= self.max_retry_wait:
                    time.sleep(wait)
                    attempt += 1
                    continue
            raise error

    def _send(self, method: str, target: str, headers: Dict[str, str], body: Body, replayable: bool,
              timeout: Optional[float], stream: bool) -> Response:
        effective = self.timeout if timeout is None else timeout
        if stream or not replayable:
            # a streamed answer, or a body that can only be sent once: a connection of its own, no stale retry
            conn = self._new_connection(effective)
            keep = False
            try:
                answer = self._exchange(conn, method, target, body, headers)
                if stream and answer.status < 400:
                    keep = True
                    return Response(answer.status, _lower(answer.getheaders()), stream=answer, connection=conn)
                return Response(answer.status, _lower(answer.getheaders()), answer.read())
            except (OSError, http.client.HTTPException) as e:
                raise TransportError(f"{method} {self.base_url}{target}: {e!r}") from e
            finally:
                if not keep:
                    conn.close()
        for retry in (False, True):
            conn, reused = self._pooled()
            if conn.sock is not None:
                conn.sock.settimeout(effective)
            conn.timeout = effective
            try:
                answer = self._exchange(conn, method, target, body, headers)
                data = answer.read()
            except _STALE as e:
                self._discard(conn)
                if reused and not retry:
                    continue  # the server closed an idle keep-alive connection: once more on a fresh one
                raise TransportError(f"{method} {self.base_url}{target}: {e!r}") from e
            except (OSError, http.client.HTTPException) as e:
                self._discard(conn)
                raise TransportError(f"{method} {self.base_url}{target}: {e!r}") from e
            if answer.will_close:
                self._discard(conn)
            return Response(answer.status, _lower(answer.getheaders()), data)
        raise AssertionError("unreachable")

    @staticmethod
    def _exchange(conn: http.client.HTTPConnection, method: str, target: str, body: Body,
                  headers: Dict[str, str]) -> http.client.HTTPResponse:
        try:
            conn.request(method, target, body=body, headers=headers)  # an iterable body goes chunked
        except (BrokenPipeError, ConnectionResetError) as sending:
            # the server may have answered before reading the whole body (413) and closed: read its answer
            try:
                return conn.getresponse()
            except (OSError, http.client.HTTPException):
                raise sending from None
        return conn.getresponse()

    def _error(self, method: str, target: str, response: Response) -> ApiError:
        problem = Problem.from_response(response.status, response.body, response.headers.get("content-type", ""))
        return errors.error_for(problem, method, self.base_url + target, response.headers)


def _lower(headers: Iterable[Tuple[str, str]]) -> Dict[str, str]:
    return {name.lower(): value for name, value in headers}

