"""Following a training job to its end: its Server-Sent Events stream, or polling when the stream is unavailable."""
from __future__ import annotations

import http.client
import importlib
import json
import time
import warnings
from typing import Any, BinaryIO, Callable, Iterator, List, Optional, Tuple

from ._http import Transport
from .errors import ApiError, TransportError, WaitTimeout
from .resources import Epoch, Job

EpochCallback = Callable[[Epoch], Any]


def read_events(stream: BinaryIO) -> Iterator[Tuple[str, str, str]]:
    """(event, id, data) of each event of a ``text/event-stream``, as the HTML standard parses it."""
    event, event_id = "message", ""
    data: List[str] = []
    while True:
        raw = stream.readline()
        if not raw:
            return
        line = raw.decode("utf-8").rstrip("\r\n")
        if not line:
            if data:
                yield event, event_id, "\n".join(data)
            event, data = "message", []
            continue
        if line.startswith(":"):
            continue  # a comment (keep-alive)
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
        elif name == "id":
            event_id = value


class _StreamUnavailable(Exception):
    """The events route answered something that is not an event stream (e.g. a proxy in between)."""


class ProgressBar:
    """A tqdm bar of epochs (in a terminal or a notebook) when asked for and tqdm is installed."""

    def __init__(self, wanted: bool, total: int, job_id: str) -> None:
        self._bar: Any = None
        if not wanted:
            return
        try:
            tqdm = importlib.import_module("tqdm.auto").tqdm  # terminals and notebooks alike
        except ImportError:
            warnings.warn("progress=True needs tqdm (pip install tqdm, or apt install python3-tqdm); waiting"
                          " without a progress bar", stacklevel=4)
            return
        self._bar = tqdm(total=total, unit="epoch", desc=f"job {job_id[:8]}")

    @property
    def active(self) -> bool:
        return self._bar is not None

    def update(self, epoch: Epoch) -> None:
        if self._bar is None:
            return
        postfix = {"loss": f"{epoch.training_loss:.4g}"}
        if epoch.validation_loss is not None:
            postfix["val_loss"] = f"{epoch.validation_loss:.4g}"
        for name, value in (epoch.validation_metrics or epoch.training_metrics).items():
            postfix[name] = f"{value:.4g}"
        self._bar.set_postfix(postfix, refresh=False)
        self._bar.update(max(0, epoch.epoch - self._bar.n))

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


class JobFollower:
    """Calls back once per finished epoch, in order, and returns the job as it ended."""

    def __init__(self, transport: Transport, job_id: str, on_epoch: Optional[EpochCallback], bar: ProgressBar,
                 deadline: Optional[float], poll_interval: float) -> None:
        self._transport = transport
        self._job_id = job_id
        self._on_epoch = on_epoch
        self._bar = bar
        self._deadline = deadline
        self._poll_interval = poll_interval
        self.seen = 0
        self.used_events = False

    def _emit(self, epoch: Epoch) -> None:
        if epoch.epoch <= self.seen:
            return  # replayed after a reconnect
        self.seen = epoch.epoch
        self._bar.update(epoch)
        if self._on_epoch is not None:
            self._on_epoch(epoch)

    def _remaining(self) -> Optional[float]:
        return None if self._deadline is None else self._deadline - time.monotonic()

    def _get(self) -> Job:
        return Job.from_json(self._transport.request("GET", f"/jobs/{self._job_id}").json())

    def run(self, events: bool) -> Job:
        while True:
            final: Optional[Job] = None
            progressed = False
            if events:
                before = self.seen
                try:
                    final = self._follow_stream()
                except _StreamUnavailable:
                    events = False
                except TransportError:
                    events = False  # no stream to be had: poll (a service that is down fails the poll too)
                progressed = self.seen > before
            if final is None:
                final = self._get()
                if not final.ended:
                    for epoch in final.history:
                        self._emit(epoch)
                    remaining = self._remaining()
                    if remaining is not None and remaining <= 0:
                        raise WaitTimeout(f"job {self._job_id} is still {final.status} after the timeout", final)
                    if not events or not progressed:
                        pause = self._poll_interval if remaining is None else min(self._poll_interval, remaining)
                        time.sleep(max(0.0, pause))
                    continue
            for epoch in final.history:
                self._emit(epoch)  # any epoch the stream did not deliver
            return final

    def _follow_stream(self) -> Optional[Job]:
        """The job from the stream's ``end`` event; None when the stream stopped before it (then poll, reconnect)."""
        remaining = self._remaining()
        timeout = self._transport.timeout
        if remaining is not None:
            timeout = max(0.001, remaining if timeout is None else min(timeout, remaining))
        try:
            response = self._transport.request("GET", f"/jobs/{self._job_id}/events", accept="text/event-stream",
                                               stream=True, timeout=timeout)
        except ApiError as e:
            if e.status in (405, 406, 415, 501):
                raise _StreamUnavailable() from e
            raise
        try:
            if not response.headers.get("content-type", "").startswith("text/event-stream"):
                raise _StreamUnavailable()
            self.used_events = True
            assert response.stream is not None
            for event, data in _parsed(response.stream):
                if event == "epoch":
                    self._emit(Epoch.from_json(data))  # the callback's own exceptions propagate
                elif event == "end":
                    return Job.from_json(data)
                remaining = self._remaining()
                if remaining is not None and remaining <= 0:
                    return None
            return None  # closed without "end", or broken: look at the job, then reconnect
        finally:
            response.close()


def _parsed(stream: BinaryIO) -> Iterator[Tuple[str, Any]]:
    """(event, its JSON data); stops quietly when the stream breaks or nothing comes within the read timeout."""
    events = read_events(stream)
    while True:
        try:
            event, _, data = next(events)
            parsed = json.loads(data)
        except StopIteration:
            return
        except (OSError, http.client.HTTPException, ValueError):
            return
        yield event, parsed
