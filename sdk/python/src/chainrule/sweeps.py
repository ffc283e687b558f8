"""Hyperparameter sweeps: many trials (each an ordinary model and training job) from one request, the best kept."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

from .errors import WaitTimeout
from .resources import Page, Predictions, parse_time

__all__ = ["Sweep", "SweepTrial", "SweepMethods"]

#: the space's fields as the service names them, from Python's spelling
_FIELDS = {"hidden_layers": "hiddenLayers", "learning_rate": "learningRate", "batch_size": "batchSize"}


@dataclass(frozen=True)
class SweepTrial:
    """One trial: its parameters, status, and once it succeeded its model's version and the sweep's metric of it."""

    trial: int
    parameters: Dict[str, Any]
    status: str
    model_id: Optional[str]
    job_id: Optional[str]
    version: Optional[int]
    metric: Optional[float]
    failure_reason: Optional[str]
    finished_at: Any

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "SweepTrial":
        return cls(d["trial"], dict(d.get("parameters") or {}), d["status"], d.get("modelId"), d.get("jobId"),
                   d.get("version"), d.get("metric"), d.get("failureReason"), parse_time(d.get("finishedAt")))


@dataclass(frozen=True)
class Sweep:
    """A sweep: its state, progress (trials done of planned), every trial, and the best one so far."""

    id: str
    name: Optional[str]
    state: str
    metric: str
    direction: str
    progress: Dict[str, int]
    best: Optional[SweepTrial]
    trials: List[SweepTrial]
    stop_reason: Optional[str]
    finished_at: Any
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def finished(self) -> bool:
        """Nothing of the sweep runs any more."""
        return self.finished_at is not None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Sweep":
        best = d.get("best")
        return cls(d["id"], d.get("name"), d["state"], d["metric"], d["direction"], dict(d["progress"]),
                   None if best is None else SweepTrial.from_json(best),
                   [SweepTrial.from_json(t) for t in d.get("trials", [])], d.get("stopReason"),
                   parse_time(d.get("finishedAt")), dict(d))


def _ref(ref: Any) -> str:
    value = getattr(ref, "id", ref)
    if not isinstance(value, str) or not value:
        raise TypeError(f"expected a sweep id or a Sweep, got {ref!r}")
    return value


class SweepMethods:
    """The client's sweep methods (mixed into :class:`~chainrule.Client`)."""

    _json: Callable[..., Any]
    _http: Any

    def create_sweep(self, model: Mapping[str, Any], dataset: Any, space: Mapping[str, Sequence[Any]], *,
                     validation_split: Optional[float] = None, validation_dataset: Any = None,
                     training: Optional[Mapping[str, Any]] = None, trials: Optional[int] = None,
                     seed: Optional[int] = None, metric: Optional[str] = None, direction: Optional[str] = None,
                     patience: Optional[int] = None, name: Optional[str] = None) -> Sweep:
        """Starts a sweep and returns it with every trial planned.

        ``model`` is the base model as ``POST /models`` takes it (``{"inputWidth": 4, "layers": [...], ...}``);
        the trials train on the uploaded ``dataset`` and are compared on ``validation_split`` of it or on
        ``validation_dataset``. ``training`` holds further base settings as ``POST /train`` names them
        (``{"epochs": 20, "batchSize": 16}``). ``space`` maps each searched field (``units``, ``hidden_layers``,
        ``activation``, ``optimizer``, ``learning_rate``, ``batch_size``, ``epochs``, ``l1``, ``l2``) to its values.
        A grid by default; ``trials`` (with ``seed``) draws that many distinct combinations instead.
        ``metric``: ``validation_loss`` (default), ``accuracy`` or ``r2``; ``patience`` stops the sweep after that
        many finished trials without a better one.
        """
        body_training = dict(training or {})
        body_training["datasetId"] = _ref(dataset)
        if validation_split is not None:
            body_training["validationSplit"] = validation_split
        if validation_dataset is not None:
            body_training["validationDatasetId"] = _ref(validation_dataset)
        body: Dict[str, Any] = {"model": dict(model), "training": body_training,
                                "space": {_FIELDS.get(k, k): list(v) for k, v in space.items()}}
        if trials is not None:
            body["strategy"] = {"type": "random", "trials": trials, "seed": 0 if seed is None else seed}
        for key, value in (("name", name), ("metric", metric), ("direction", direction)):
            if value is not None:
                body[key] = value
        if patience is not None:
            body["earlyStopping"] = {"patience": patience}
        return Sweep.from_json(self._json("POST", "/sweeps", body))

    def get_sweep(self, sweep: Any) -> Sweep:
        return Sweep.from_json(self._json("GET", f"/sweeps/{_ref(sweep)}"))

    def list_sweeps(self, page: int = 0, size: int = 20) -> Page[Sweep]:
        d = self._json("GET", "/sweeps", params={"page": page, "size": size})
        return Page([Sweep.from_json(x) for x in d["items"]], d["page"], d["size"], d["totalItems"], d["totalPages"])

    def cancel_sweep(self, sweep: Any) -> Sweep:
        """Cancels the waiting trials and asks the running ones to stop (:meth:`wait_sweep` sees them end)."""
        return Sweep.from_json(self._json("POST", f"/sweeps/{_ref(sweep)}/cancel"))

    def delete_sweep(self, sweep: Any) -> None:
        """Deletes the sweep and its trials' models; a :class:`~chainrule.errors.Conflict` while trials run."""
        self._http.request("DELETE", f"/sweeps/{_ref(sweep)}")

    def wait_sweep(self, sweep: Any, *, on_trial: Optional[Callable[[SweepTrial], None]] = None,
                   timeout: Optional[float] = None, poll_interval: float = 0.5) -> Sweep:
        """Polls the sweep until nothing of it runs; ``on_trial(trial)`` once for every trial that ran and ended."""
        deadline = None if timeout is None else time.monotonic() + timeout
        seen: set = set()
        while True:
            current = self.get_sweep(sweep)
            for trial in current.trials:
                if trial.job_id is not None and trial.finished_at is not None and trial.trial not in seen:
                    seen.add(trial.trial)
                    if on_trial is not None:
                        on_trial(trial)
            if current.finished:
                return current
            if deadline is not None and time.monotonic() > deadline:
                raise WaitTimeout(f"sweep {current.id} has not finished within {timeout} s")
            time.sleep(poll_interval)

    def predict_with_sweep(self, sweep: Any, instances: Any) -> Predictions:
        """The best trial's predictions (``POST /sweeps/{id}/predict``); their model_id and version say whose."""
        from . import _arrays
        return Predictions.from_json(self._json("POST", f"/sweeps/{_ref(sweep)}/predict",
                                                {"instances": _arrays.rows(instances, "instances")}))
