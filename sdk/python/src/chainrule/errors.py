"""Exceptions: one class per kind of problem the service reports, each carrying its RFC 9457 problem.

Every error answer of the service is a problem detail (``application/problem+json``) whose ``type`` names the
kind (``/problems/not-found``, ...). :func:`error_for` picks the most specific class for it: by ``type`` first,
then by HTTP status, so a kind added to the service later still lands in the class of its status.

Hierarchy::

    ChainruleError
    ├── TransportError                 the request did not get an HTTP answer (refused, reset, timed out)
    ├── WaitTimeout                    wait() gave up before the job ended (also a TimeoutError)
    ├── JobFailed                      wait(raise_on_failure=True) and the job FAILED or was CANCELLED
    └── ApiError                       an HTTP error answer; .problem, .status
        ├── BadRequest                 400
        │   ├── ValidationError        invalid-request: .errors names every invalid field
        │   │   └── InvalidCsv         invalid-csv: .line and .column of the CSV's problem
        │   └── MalformedJson          malformed-json
        ├── Unauthorized               401: no API key, or not a valid one
        ├── Forbidden                  403: a READ key on an ADMIN operation
        ├── NotFound                   404
        ├── MethodNotAllowed           405
        ├── NotAcceptable              406
        ├── Conflict                   409
        │   ├── ModelNotTrained
        │   ├── ModelInUse
        │   ├── AliasInUse
        │   └── DatasetInUse
        ├── PayloadTooLarge            413
        ├── UnsupportedMediaType       415
        ├── NonFiniteResult            422: .errors names each instance
        ├── TooManyRequests            429: .retry_after (seconds)
        │   └── QueueFull
        └── ServerError                5xx
            └── InternalError
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Type


@dataclass(frozen=True)
class FieldError:
    """One invalid field: a JSON path into the body (``layers[1].activation``), a parameter, or ``(body)``."""

    field: str
    reason: str


@dataclass(frozen=True)
class Problem:
    """An RFC 9457 problem detail as the service sent it (``raw`` holds every member, extensions included)."""

    status: int
    type: str = "about:blank"
    title: Optional[str] = None
    detail: Optional[str] = None
    instance: Optional[str] = None
    errors: List[FieldError] = field(default_factory=list)
    line: Optional[int] = None
    column: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def kind(self) -> str:
        """The last segment of ``type`` (``not-found``), or ``""`` for an untyped problem."""
        if not self.type or self.type == "about:blank":
            return ""
        return self.type.rstrip("/").rsplit("/", 1)[-1]

    @classmethod
    def from_response(cls, status: int, body: bytes, content_type: str = "") -> "Problem":
        """The problem in an error answer; a body that is not one (a proxy's HTML page) becomes its detail."""
        data: Any = None
        if body:
            try:
                data = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                data = None
        if not isinstance(data, Mapping):
            text = body.decode("utf-8", "replace").strip() if body else ""
            return cls(status=status, detail=text[:500] or None, raw={})
        errors = [FieldError(str(e.get("field", "")), str(e.get("reason", "")))
                  for e in data.get("errors") or [] if isinstance(e, Mapping)]
        line = data.get("line")
        return cls(status=int(data.get("status", status)), type=str(data.get("type") or "about:blank"),
                   # the Open Inference Protocol's routes answer {"error": "..."} instead of a problem
                   title=data.get("title"), detail=data.get("detail") or data.get("error"), instance=data.get("instance"),
                   errors=errors, line=int(line) if isinstance(line, int) else None, column=data.get("column"),
                   raw=dict(data))


class ChainruleError(Exception):
    """Every error this client raises."""


class TransportError(ChainruleError):
    """The request got no HTTP answer: connection refused or reset, a timeout, a broken stream."""


class WaitTimeout(ChainruleError, TimeoutError):
    """:meth:`Client.wait` gave up before the job ended; ``job`` is its last known state."""

    def __init__(self, message: str, job: Any = None) -> None:
        super().__init__(message)
        self.job = job


class JobFailed(ChainruleError):
    """:meth:`Client.wait` with ``raise_on_failure=True``: the job ended FAILED or CANCELLED (``job``)."""

    def __init__(self, job: Any) -> None:
        reason = getattr(job, "failure_reason", None)
        super().__init__(f"job {job.id} ended {job.status}" + (f": {reason}" if reason else ""))
        self.job = job


class ApiError(ChainruleError):
    """An error answer of the service, with its problem detail."""

    def __init__(self, problem: Problem, method: str = "", url: str = "",
                 headers: Optional[Mapping[str, str]] = None) -> None:
        self.problem = problem
        self.method = method
        self.url = url
        self.headers: Dict[str, str] = dict(headers or {})
        where = f" ({method} {url})" if method else ""
        what = problem.detail or problem.title or "no detail"
        super().__init__(f"{problem.status} {problem.kind or problem.title or 'error'}: {what}{where}")

    @property
    def status(self) -> int:
        return self.problem.status

    @property
    def type(self) -> str:
        return self.problem.type

    @property
    def title(self) -> Optional[str]:
        return self.problem.title

    @property
    def detail(self) -> Optional[str]:
        return self.problem.detail

    @property
    def errors(self) -> List[FieldError]:
        """The invalid fields (invalid-request, invalid-csv) or instances (non-finite-result); else empty."""
        return self.problem.errors

    def field_errors(self) -> Dict[str, str]:
        """``errors`` as ``{field: reason}`` (the last reason of a field named twice)."""
        return {e.field: e.reason for e in self.problem.errors}


class BadRequest(ApiError):
    """400: the request cannot be done as sent."""


class ValidationError(BadRequest):
    """400 ``invalid-request``: every invalid field is in ``errors``."""


class InvalidCsv(ValidationError):
    """400 ``invalid-csv``: the upload cannot be a dataset; ``line`` (1-based) and ``column`` say where."""

    @property
    def line(self) -> Optional[int]:
        return self.problem.line

    @property
    def column(self) -> Optional[str]:
        return self.problem.column


class MalformedJson(BadRequest):
    """400 ``malformed-json``: the body is not JSON of the expected shape."""


class Unauthorized(ApiError):
    """401: the service needs an API key (argument ``api_key`` or ``CHAINRULE_API_KEY``), or the key is not valid."""


class Forbidden(ApiError):
    """403: the key is valid, but its role (READ) may not do this."""


class NotFound(ApiError):
    """404: no such model, version, job or dataset (or no such route)."""


class MethodNotAllowed(ApiError):
    """405."""


class NotAcceptable(ApiError):
    """406."""


class Conflict(ApiError):
    """409: the resource is not in a state that allows this."""


class ModelNotTrained(Conflict):
    """409 ``model-not-trained``: the model has no trained version yet."""


class ModelInUse(Conflict):
    """409 ``model-in-use``: a queued or running job trains the model."""


class AliasInUse(Conflict):
    """409 ``alias-in-use``: the alias is the model's default; change or clear the default first."""


class DatasetInUse(Conflict):
    """409 ``dataset-in-use``: a queued or running job reads the dataset."""


class PayloadTooLarge(ApiError):
    """413: the body is over the service's limit (``chainrule.limits.*``)."""


class UnsupportedMediaType(ApiError):
    """415."""


class NonFiniteResult(ApiError):
    """422 ``non-finite-result``: results overflowed float32; ``errors`` names each instance."""


class TooManyRequests(ApiError):
    """429: try again after ``retry_after`` seconds (``Client(retry_on_429=True)`` does so itself)."""

    @property
    def retry_after(self) -> Optional[float]:
        """The ``Retry-After`` header in seconds, when the answer had one."""
        return parse_retry_after(self.headers.get("retry-after"))


class QueueFull(TooManyRequests):
    """429 ``queue-full``: every training worker is busy and the queue is full; no job was created."""


class ServerError(ApiError):
    """5xx: the service failed; the cause is in its log."""


class InternalError(ServerError):
    """500 ``internal-error``."""


_BY_KIND: Dict[str, Type[ApiError]] = {
    "invalid-request": ValidationError,
    "invalid-csv": InvalidCsv,
    "malformed-json": MalformedJson,
    "unauthorized": Unauthorized,
    "forbidden": Forbidden,
    "not-found": NotFound,
    "method-not-allowed": MethodNotAllowed,
    "not-acceptable": NotAcceptable,
    "model-not-trained": ModelNotTrained,
    "model-in-use": ModelInUse,
    "alias-in-use": AliasInUse,
    "dataset-in-use": DatasetInUse,
    "payload-too-large": PayloadTooLarge,
    "unsupported-media-type": UnsupportedMediaType,
    "non-finite-result": NonFiniteResult,
    "queue-full": QueueFull,
    "internal-error": InternalError,
}

_BY_STATUS: Dict[int, Type[ApiError]] = {
    400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 405: MethodNotAllowed,
    406: NotAcceptable, 409: Conflict, 413: PayloadTooLarge, 415: UnsupportedMediaType,
    422: NonFiniteResult, 429: TooManyRequests,
}


def error_class(problem: Problem) -> Type[ApiError]:
    """The class for a problem: by its kind, else by its status (5xx ServerError, other 4xx ApiError)."""
    by_kind = _BY_KIND.get(problem.kind)
    if by_kind is not None and (by_kind is not InternalError or problem.status >= 500):
        return by_kind
    if problem.status >= 500:
        return ServerError
    return _BY_STATUS.get(problem.status, ApiError)


def error_for(problem: Problem, method: str = "", url: str = "",
              headers: Optional[Mapping[str, str]] = None) -> ApiError:
    """The exception for an error answer."""
    return error_class(problem)(problem, method, url, headers)


def parse_retry_after(value: Optional[str]) -> Optional[float]:
    """Seconds from a ``Retry-After`` header: a number of seconds or an HTTP date; None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime
    import datetime as _dt
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return max(0.0, (when - _dt.datetime.now(_dt.timezone.utc)).total_seconds())
