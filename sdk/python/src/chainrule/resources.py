"""What the service answers, as typed, read-only objects (``raw`` keeps the JSON as it came)."""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Generic, Iterator, List, Mapping, Optional, TypeVar

from ._arrays import to_array

T = TypeVar("T")
_FRACTION = re.compile(r"\.(\d+)")


def parse_time(text: Optional[str]) -> Optional[_dt.datetime]:
    """An RFC 3339 instant (``2026-11-22T04:22:45.399058641Z``) as an aware datetime (to the microsecond)."""
    if not text:
        return None
    value = text.replace("Z", "+00:00").replace("z", "+00:00")
    value = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], value, count=1)
    return _dt.datetime.fromisoformat(value)


@dataclass(frozen=True)
class Layer:
    """One fully connected layer: its units and activation (``relu``, ``softmax``, ...)."""

    units: int
    activation: str


@dataclass(frozen=True)
class ModelVersion:
    """One trained (or imported) version of a model and its training summary."""

    version: int
    created_at: Optional[_dt.datetime]
    job_id: Optional[str]
    epochs: int
    training_loss: float
    validation_loss: Optional[float]
    metrics: Dict[str, float]

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "ModelVersion":
        return cls(d["version"], parse_time(d.get("createdAt")), d.get("jobId"), d.get("epochs", 0),
                   d.get("trainingLoss", float("nan")), d.get("validationLoss"), dict(d.get("metrics") or {}))


@dataclass(frozen=True)
class Model:
    """A model: its definition, training state and versions."""

    id: str
    name: Optional[str]
    description: Optional[str]
    input_width: int
    layers: List[Layer]
    loss: str
    initialiser: str
    seed: int
    loss_epsilon: float
    parameter_count: int
    created_at: Optional[_dt.datetime]
    training_state: str
    latest_version: Optional[int]
    versions: List[ModelVersion]
    #: the alias whose version unnamed predictions use; None: the latest version
    default_alias: Optional[str] = None
    #: the model's aliases and the versions they point to, by name
    aliases: Dict[str, int] = field(default_factory=dict)
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def trained(self) -> bool:
        return bool(self.versions)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Model":
        return cls(d["id"], d.get("name"), d.get("description"), d["inputWidth"],
                   [Layer(x["units"], x["activation"]) for x in d.get("layers", [])], d["loss"],
                   d.get("initialiser", ""), d.get("seed", 0), d.get("lossEpsilon", 0.0), d.get("parameterCount", 0),
                   parse_time(d.get("createdAt")), d.get("trainingState", ""), d.get("latestVersion"),
                   [ModelVersion.from_json(v) for v in d.get("versions", [])], d.get("defaultAlias"),
                   dict(d.get("aliases") or {}), dict(d))


@dataclass(frozen=True)
class AliasMove:
    """One set, move or removal of an alias: ``from_version`` None when it created it, ``to_version`` None when it
    removed it, ``moved_by`` the API key's name (None on a service without keys)."""

    from_version: Optional[int]
    to_version: Optional[int]
    moved_at: Optional[_dt.datetime]
    moved_by: Optional[str]


@dataclass(frozen=True)
class KeyAccess:
    """What the client's API key may do (``GET /access``): ``access`` is ``"READ"`` (every read, predict, input
    gradients, infer) or ``"ADMIN"`` (everything), ``key_name`` the key's name; a service without keys answers
    ``"ADMIN"`` and no name. The service checks every call anyway: this only tells what it would allow."""

    access: str
    key_name: Optional[str] = None

    @property
    def is_admin(self) -> bool:
        """Whether the key may change state: define, train, score, cancel, delete, aliases, sweeps, import."""
        return self.access == "ADMIN"

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "KeyAccess":
        return cls(d["access"], d.get("keyName"))


@dataclass(frozen=True)
class Alias:
    """A named pointer to one of a model's versions, and every move it made (oldest first)."""

    model_id: str
    alias: str
    version: int
    is_default: bool
    updated_at: Optional[_dt.datetime]
    history: List[AliasMove]

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Alias":
        return cls(d["modelId"], d["alias"], d["version"], bool(d.get("isDefault")), parse_time(d.get("updatedAt")),
                   [AliasMove(m.get("fromVersion"), m.get("toVersion"), parse_time(m.get("movedAt")), m.get("movedBy"))
                    for m in d.get("history", [])])


@dataclass(frozen=True)
class DatasetColumn:
    """One column's statistics over its float32 values (``std`` is the population standard deviation)."""

    name: str
    role: str
    min: float
    max: float
    mean: float
    std: float


@dataclass(frozen=True)
class Dataset:
    """An uploaded dataset: rows, columns and their statistics, and class counts for a class target."""

    id: str
    name: str
    rows: int
    created_at: Optional[_dt.datetime]
    size_bytes: int
    feature_columns: List[str]
    target_columns: List[str]
    columns: List[DatasetColumn]
    class_counts: Optional[Dict[int, int]]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Dataset":
        counts = d.get("classCounts")
        return cls(d["id"], d["name"], d["rows"], parse_time(d.get("createdAt")), d.get("sizeBytes", 0),
                   list(d.get("featureColumns", [])), list(d.get("targetColumns", [])),
                   [DatasetColumn(c["name"], c["role"], c["min"], c["max"], c["mean"], c["std"])
                    for c in d.get("columns", [])],
                   None if counts is None else {int(k): int(v) for k, v in counts.items()}, dict(d))


@dataclass(frozen=True)
class Epoch:
    """One finished epoch of a training job (an event of its stream, or an entry of its history)."""

    epoch: int
    training_loss: float
    training_metrics: Dict[str, float]
    validation_loss: Optional[float]
    validation_metrics: Dict[str, float]
    duration_seconds: float

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Epoch":
        return cls(d["epoch"], d["trainingLoss"], dict(d.get("trainingMetrics") or {}), d.get("validationLoss"),
                   dict(d.get("validationMetrics") or {}), d.get("durationSeconds", 0.0))


ENDED = frozenset({"SUCCEEDED", "FAILED", "CANCELLED"})


@dataclass(frozen=True)
class Job:
    """A training job: status, progress, per-epoch history, and the version it made once it succeeded."""

    id: str
    model_id: str
    status: str
    progress: float
    current_epoch: int
    epochs: int
    batches_done: int
    batches_planned: int
    created_at: Optional[_dt.datetime]
    started_at: Optional[_dt.datetime]
    finished_at: Optional[_dt.datetime]
    elapsed_seconds: float
    eta_seconds: Optional[float]
    history: List[Epoch]
    final_metrics: Dict[str, float]
    failure_reason: Optional[str]
    version: Optional[int]
    from_version: Optional[int]
    end_reason: Optional[str]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    #: ``"training"`` or ``"scoring"`` (:meth:`Client.score`); a scoring job's batches count rows, it has no epochs
    kind: str = "training"
    #: what a scoring job scores and how far it is; None for a training job
    scoring: Optional["Scoring"] = None

    @property
    def ended(self) -> bool:
        """SUCCEEDED, FAILED or CANCELLED."""
        return self.status in ENDED

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"

    @property
    def sweep_id(self) -> Optional[str]:
        """The sweep this job is a trial of, or None."""
        return self.raw.get("sweepId")

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Job":
        return cls(d["id"], d["modelId"], d["status"], d.get("progress", 0.0), d.get("currentEpoch", 0),
                   d.get("epochs", 0), d.get("batchesDone", 0), d.get("batchesPlanned", 0),
                   parse_time(d.get("createdAt")), parse_time(d.get("startedAt")), parse_time(d.get("finishedAt")),
                   d.get("elapsedSeconds", 0.0), d.get("etaSeconds"),
                   [Epoch.from_json(e) for e in d.get("history", [])], dict(d.get("finalMetrics") or {}),
                   d.get("failureReason"), d.get("version"), d.get("fromVersion"), d.get("endReason"), dict(d),
                   d.get("kind", "training"), Scoring.from_json(d["scoring"]) if d.get("scoring") else None)


@dataclass(frozen=True)
class Scoring:
    """What a scoring job scores: the dataset, the version (resolved when it was submitted), rows scored of all."""

    dataset_id: str
    version: int
    rows: int
    rows_scored: int
    #: the result's path once the job has succeeded
    result: Optional[str]

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Scoring":
        return cls(d["datasetId"], d["version"], d["rows"], d.get("rowsScored", 0), d.get("result"))


@dataclass(frozen=True)
class ScoringResult:
    """A succeeded scoring job's result: its columns, and its metrics against the dataset's targets.

    ``metrics`` holds ``accuracy``, ``logLoss`` and ``confusionMatrix`` (rows: true class, columns: predicted) for
    a classifier, ``mse``, ``mae`` and ``r2`` for regression; None when the targets do not fit the outputs
    (``metrics_omitted`` says why).
    """

    job_id: str
    model_id: str
    version: int
    dataset_id: str
    rows: int
    columns: List[str]
    metrics: Optional[Dict[str, Any]]
    metrics_omitted: Optional[str]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "ScoringResult":
        return cls(d["jobId"], d["modelId"], d["version"], d["datasetId"], d["rows"], list(d["columns"]),
                   d.get("metrics"), d.get("metricsOmitted"), dict(d))


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing (oldest first); iterate it for its items."""

    items: List[T]
    page: int
    size: int
    total_items: int
    total_pages: int

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def has_next(self) -> bool:
        return self.page + 1 < self.total_pages


@dataclass(frozen=True)
class Prediction:
    """One instance's outputs and what they mean for the output layer (the other fields are None)."""

    outputs: List[float]
    class_index: Optional[int] = None
    probabilities: Optional[List[float]] = None
    probability: Optional[float] = None
    decision: Optional[int] = None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Prediction":
        return cls(list(d["outputs"]), d.get("classIndex"), d.get("probabilities"), d.get("probability"),
                   d.get("decision"))


@dataclass(frozen=True)
class Predictions:
    """The answer of predict: one :class:`Prediction` per instance, in order.

    ``task`` is ``classification`` (softmax output), ``binary`` (logistic outputs) or ``regression``.
    """

    model_id: str
    version: int
    task: str
    predictions: List[Prediction]
    #: the alias that led to the version (named, or the model's default); else None
    alias: Optional[str] = None

    def __len__(self) -> int:
        return len(self.predictions)

    def __iter__(self) -> Iterator[Prediction]:
        return iter(self.predictions)

    def __getitem__(self, index: int) -> Prediction:
        return self.predictions[index]

    @property
    def outputs(self) -> List[List[float]]:
        """The network's outputs, one row per instance."""
        return [p.outputs for p in self.predictions]

    @property
    def labels(self) -> List[int]:
        """The predicted class (softmax) or 0/1 decision (one logistic output), per instance."""
        if self.task == "classification":
            return [p.class_index for p in self.predictions]  # type: ignore[misc]
        if self.predictions and self.predictions[0].decision is not None:
            return [p.decision for p in self.predictions]  # type: ignore[misc]
        raise ValueError(f"a {self.task} output with {len(self.outputs[0]) if self.predictions else 0} units has"
                         " no single label per instance; use outputs")

    def outputs_array(self) -> Any:
        """The outputs as a float32 NumPy array of shape (instances, outputs) (needs numpy)."""
        return to_array(self.outputs, "float32")

    def labels_array(self) -> Any:
        """The labels as an int64 NumPy array (needs numpy)."""
        return to_array(self.labels, "int64")

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Predictions":
        return cls(d["modelId"], d["version"], d["task"], [Prediction.from_json(p) for p in d["predictions"]],
                   d.get("alias"))


@dataclass(frozen=True)
class DryRun:
    """The answer of predict's dry run: what would be predicted, without computing it."""

    model_id: str
    version: int
    task: str
    instances: int
    alias: Optional[str] = None


@dataclass(frozen=True)
class InputGradients:
    """dJ/dx per instance, in the units of the raw inputs."""

    model_id: str
    version: int
    gradients: List[List[float]]
    alias: Optional[str] = None

    def array(self) -> Any:
        """The gradients as a float32 NumPy array of shape (instances, input width) (needs numpy)."""
        return to_array(self.gradients, "float32")


@dataclass(frozen=True)
class Inference:
    """An Open Inference Protocol (v2) answer: the version that answered and each output tensor by name, as nested
    lists in the tensor's shape (``output``: the network's outputs; ``class_index`` for a classifier)."""

    model_name: str
    model_version: str
    outputs: Dict[str, Any]
    id: Optional[str] = None

    def array(self, name: str = "output") -> Any:
        """One output as a NumPy array (needs numpy)."""
        return to_array(self.outputs[name], "int64" if name == "class_index" else "float32")

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Inference":
        outputs: Dict[str, Any] = {}
        for tensor in d["outputs"]:
            data = list(tensor["data"])
            shape = [int(n) for n in tensor["shape"]]
            if len(shape) == 2:
                width = shape[1]
                data = [data[r * width:(r + 1) * width] for r in range(shape[0])]
            outputs[tensor["name"]] = data
        return cls(d["model_name"], str(d.get("model_version", "")), outputs, d.get("id"))
