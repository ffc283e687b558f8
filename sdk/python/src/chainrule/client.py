"""The Chainrule client."""
from __future__ import annotations

import json
import os
import shutil
import ssl
import time
from pathlib import Path
from typing import Any, BinaryIO, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from . import _arrays, _uploads
from ._follow import EpochCallback, JobFollower, ProgressBar
from ._http import Body, Response, Transport
from .errors import JobFailed
from urllib.parse import quote

from .resources import (Alias, Dataset, DryRun, Inference, InputGradients, Job, KeyAccess, Model, Page, Predictions,
                        ScoringResult)
from .sweeps import SweepMethods

__all__ = ["Client", "DEFAULT_URL"]

DEFAULT_URL = "http://localhost:8080"
ModelRef = Union[str, Model]
#: a version's number, ``"latest"``, or an alias's name (``"production"``); None: the model's default alias's
#: version, or the latest when it has none
VersionRef = Union[int, str, None]
JobRef = Union[str, Job]
DatasetRef = Union[str, Dataset]
LayerSpec = Union[Tuple[int, str], Mapping[str, Any], Any]
PathLike = Union[str, "os.PathLike[str]"]


def _id(ref: Any) -> str:
    value = getattr(ref, "id", ref)
    if not isinstance(value, str) or not value:
        raise TypeError(f"expected an id or an object with one, got {ref!r}")
    return value


def _layer(spec: LayerSpec) -> Dict[str, Any]:
    if isinstance(spec, Mapping):
        return dict(spec)
    if isinstance(spec, tuple) and len(spec) == 2:
        return {"units": spec[0], "activation": spec[1]}
    if hasattr(spec, "units") and hasattr(spec, "activation"):
        return {"units": getattr(spec, "units"), "activation": getattr(spec, "activation")}
    raise TypeError(f"a layer is (units, activation), a dict or a Layer, got {spec!r}")


def _version(version: VersionRef) -> Union[int, str, None]:
    """A version for a JSON body: numbers as numbers (the service refuses ``"2"``), names as they are."""
    if isinstance(version, str) and version.isdigit():
        return int(version)
    return version


def _segment(text: str) -> str:
    return quote(str(text), safe="")


def _compact(d: Mapping[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


class Client(SweepMethods):
    """A connection to one Chainrule service.

    >>> with Client("http://localhost:8080") as client:      # doctest: +SKIP
    ...     model = client.create_model(4, [(8, "relu"), (3, "softmax")], "cross_entropy", name="iris")

    Args:
        base_url: the service's URL (default ``$CHAINRULE_URL``, else ``http://localhost:8080``).
        api_key: sent as ``Authorization: Bearer <key>`` (default ``$CHAINRULE_API_KEY``; none for an open service;
            ``""`` sends none even when the variable is set).
        timeout: seconds to connect and to wait for each read (None: no limit). ``wait`` has its own timeout.
        retry_on_429: on ``429 Too Many Requests`` (the training queue is full), sleep ``Retry-After`` and try
            again, up to ``max_attempts`` tries in all; a wait longer than ``max_retry_wait`` is not made.
        headers: extra headers for every request.
        ssl_context: for an https URL with its own certificate authority.

    One keep-alive connection per thread is reused between requests; ``close()`` (or leaving a ``with``
    block) closes them. A client may be shared by threads.
    """

    def __init__(self, base_url: Optional[str] = None, *, api_key: Optional[str] = None,
                 timeout: Optional[float] = 30.0, retry_on_429: bool = False, max_attempts: int = 3,
                 max_retry_wait: float = 60.0, headers: Optional[Mapping[str, str]] = None,
                 ssl_context: Optional[ssl.SSLContext] = None) -> None:
        url = base_url or os.environ.get("CHAINRULE_URL") or DEFAULT_URL
        key = api_key if api_key is not None else os.environ.get("CHAINRULE_API_KEY") or None
        all_headers = {"User-Agent": "chainrule-python/0.1.0"}
        all_headers.update(headers or {})
        if key:
            if key != key.strip():
                raise ValueError("api_key starts or ends with white space")
            all_headers["Authorization"] = f"Bearer {key}"
        self._http = Transport(url, all_headers, timeout, ssl_context, retry_on_429, max_attempts, max_retry_wait)

    @property
    def base_url(self) -> str:
        return self._http.base_url

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Closes the pooled connections (the client still works afterwards, on new ones)."""
        self._http.close()

    def __repr__(self) -> str:
        return f"Client({self.base_url!r})"

    def _json(self, method: str, path: str, body: Any = None, params: Optional[Mapping[str, Any]] = None,
              timeout: Optional[float] = None) -> Any:
        data = None if body is None else json.dumps(body, allow_nan=False, default=_arrays.json_default).encode("utf-8")
        return self._http.request(method, path, params=params, body=data,
                                  content_type="application/json" if data is not None else None,
                                  timeout=timeout).json()

    # -- models ------------------------------------------------------------------------------------------------

    def create_model(self, input_width: int, layers: Sequence[LayerSpec], loss: str, *, name: Optional[str] = None,
                     description: Optional[str] = None, initialiser: Optional[str] = None,
                     seed: Optional[int] = None, loss_epsilon: Optional[float] = None) -> Model:
        """Defines a network: ``layers`` as ``(units, activation)`` pairs, the last being the output.

        ``loss`` is ``cross_entropy`` (softmax output), ``log_loss`` (logistic) or ``squared_error``;
        ``initialiser`` ``xavier`` (default), ``he`` or ``small_uniform``. Every invalid field is reported
        at once in a :class:`~chainrule.errors.ValidationError`.
        """
        body = _compact({"name": name, "description": description, "inputWidth": input_width,
                         "layers": [_layer(x) for x in layers], "loss": loss, "initialiser": initialiser,
                         "seed": seed, "lossEpsilon": loss_epsilon})
        return Model.from_json(self._json("POST", "/models", body))

    def list_models(self, page: int = 0, size: int = 20) -> Page[Model]:
        """One page of models, oldest first (``size`` 1 to 100)."""
        return self._page("/models", Model.from_json, {"page": page, "size": size})

    def iter_models(self, size: int = 100) -> Iterator[Model]:
        """Every model, oldest first, fetched a page at a time."""
        return self._iterate("/models", Model.from_json, {}, size)

    def get_model(self, model: ModelRef) -> Model:
        return Model.from_json(self._json("GET", f"/models/{_id(model)}"))

    def delete_model(self, model: ModelRef) -> None:
        """Deletes the model and its versions (409 :class:`~chainrule.errors.ModelInUse` while a job trains it)."""
        self._http.request("DELETE", f"/models/{_id(model)}")

    def export_version(self, model: ModelRef, version: Union[int, str], destination: Union[PathLike, BinaryIO, None] = None, *,
                       format: Optional[str] = None) -> Union[bytes, Path, BinaryIO]:
        """One version as a model file (docs/model-format.md), streamed to ``destination`` (a path or a binary
        file object, which is returned) or returned as bytes. ``format`` is passed to the service as is (the
        native format when None)."""
        response = self._http.request("GET", f"/models/{_id(model)}/versions/{_segment(version)}/export",
                                      params={"format": format}, accept="application/octet-stream, */*",
                                      stream=True)
        return _save(response, destination)

    def import_model(self, source: Union[PathLike, bytes, BinaryIO], *, name: Optional[str] = None,
                     format: Optional[str] = None) -> Model:
        """A new model whose version 1 is the exported file's (a path, bytes or a binary file object; a path is
        streamed). ``format`` is passed to the service as is."""
        body: Body
        if isinstance(source, (bytes, bytearray)):
            body = bytes(source)
        elif isinstance(source, (str, os.PathLike)):
            body = _uploads.path_chunks(Path(source))
            if not Path(source).is_file():
                raise FileNotFoundError(f"no such file: {source}")
        elif hasattr(source, "read"):
            body = _uploads.file_chunks(source)
        else:
            raise TypeError(f"cannot import from a {type(source).__name__}")
        response = self._http.request("POST", "/models/import", params={"name": name, "format": format}, body=body,
                                      content_type="application/octet-stream")
        return Model.from_json(response.json())

    # -- datasets ----------------------------------------------------------------------------------------------

    def upload_dataset(self, source: Any, targets: Any = None, *, name: Optional[str] = None,
                       target_columns: Union[str, Sequence[str], None] = None,
                       columns: Optional[Sequence[str]] = None, compress: bool = True,
                       timeout: Optional[float] = None) -> Dataset:
        """Uploads a CSV as a dataset and returns its summary (rows, per-column statistics, class counts).

        ``source`` is a path or a binary file object holding a CSV (plain or gzip), streamed; or the rows
        themselves: a 2-D NumPy array or a list of rows (with ``targets`` appended as the last columns,
        and ``columns`` naming all the columns, default ``x0, x1, ..., y``), or a pandas DataFrame (its own
        column names). ``target_columns`` names the target column(s) (default: the last column, or the
        ``targets`` given). The body is gzip-compressed on the fly unless ``compress=False`` or it already is.
        """
        default_name: Optional[str] = None
        already_gzip = False
        if isinstance(source, (str, os.PathLike)) or hasattr(source, "read"):
            if targets is not None or columns is not None:
                raise ValueError("targets and columns are for in-memory rows; a CSV names its own columns")
            chunks, already_gzip, default_name = _uploads.source_body(source)
            implied: List[str] = []
        else:
            chunks, implied = _uploads.table_body(source, targets, columns)
        targets_param: List[str] = [target_columns] if isinstance(target_columns, str) else \
            list(target_columns) if target_columns is not None else implied
        if compress and not already_gzip:
            chunks = _uploads.gzip_chunks(chunks)
        gzipped = already_gzip or compress
        response = self._http.request(
            "POST", "/datasets", params={"name": name or default_name, "target": targets_param or None},
            body=chunks, content_type="application/octet-stream" if gzipped else "text/csv", timeout=timeout)
        return Dataset.from_json(response.json())

    def list_datasets(self, page: int = 0, size: int = 20) -> Page[Dataset]:
        return self._page("/datasets", Dataset.from_json, {"page": page, "size": size})

    def iter_datasets(self, size: int = 100) -> Iterator[Dataset]:
        return self._iterate("/datasets", Dataset.from_json, {}, size)

    def get_dataset(self, dataset: DatasetRef) -> Dataset:
        return Dataset.from_json(self._json("GET", f"/datasets/{_id(dataset)}"))

    def delete_dataset(self, dataset: DatasetRef) -> None:
        """Deletes the dataset (409 :class:`~chainrule.errors.DatasetInUse` while a queued or running job reads it)."""
        self._http.request("DELETE", f"/datasets/{_id(dataset)}")

    # -- training ----------------------------------------------------------------------------------------------

    def train(self, model: ModelRef, features: Any = None, targets: Any = None, *,
              dataset: Optional[DatasetRef] = None, validation: Optional[Tuple[Any, Any]] = None,
              validation_dataset: Optional[DatasetRef] = None, validation_split: Optional[float] = None,
              epochs: Optional[int] = None, batch_size: Optional[int] = None,
              optimizer: Union[str, Mapping[str, Any], None] = None, learning_rate: Optional[float] = None,
              l1: Optional[float] = None, l2: Optional[float] = None,
              early_stopping: Union[bool, Mapping[str, Any], None] = None, shuffle: Optional[bool] = None,
              shuffle_seed: Optional[int] = None, initialization: Optional[str] = None,
              from_version: VersionRef = None, standardize: Optional[bool] = None) -> Job:
        """Queues a training job and returns it (follow it with :meth:`wait`).

        The rows are ``features`` and ``targets`` (arrays or lists; a target is a class id, a number or a row),
        or an uploaded ``dataset``. Validation: ``validation=(features, targets)``, a ``validation_dataset``
        or a ``validation_split``. ``optimizer`` is ``"adam"`` (default), ``"sgd"``, ``"momentum"`` or a dict
        of its settings; ``learning_rate`` is set in it. ``early_stopping=True`` uses the service's defaults,
        a dict sets ``patience``, ``minDelta``, ``restoreBest``. ``initialization="continue"`` starts from
        ``from_version`` (default the latest). A full queue is a :class:`~chainrule.errors.QueueFull`.
        """
        if (features is None) != (targets is None):
            raise ValueError("give features and targets together (or a dataset)")
        opt: Optional[Dict[str, Any]] = None
        if optimizer is not None or learning_rate is not None:
            opt = {"type": optimizer} if isinstance(optimizer, str) else dict(optimizer or {})
            if learning_rate is not None:
                opt["learningRate"] = learning_rate
        stopping = {} if early_stopping is True else dict(early_stopping) if early_stopping else None
        body = _compact({
            "modelId": _id(model),
            "data": None if features is None else {"features": _arrays.rows(features, "features"),
                                                   "targets": _arrays.targets(targets)},
            "datasetId": None if dataset is None else _id(dataset),
            "validation": None if validation is None else {"features": _arrays.rows(validation[0], "validation"),
                                                           "targets": _arrays.targets(validation[1])},
            "validationDatasetId": None if validation_dataset is None else _id(validation_dataset),
            "validationSplit": validation_split, "epochs": epochs, "batchSize": batch_size, "optimizer": opt,
            "l1": l1, "l2": l2, "earlyStopping": stopping, "shuffle": shuffle, "shuffleSeed": shuffle_seed,
            "initialization": initialization, "fromVersion": _version(from_version), "standardize": standardize})
        return Job.from_json(self._json("POST", "/train", body))

    def get_job(self, job: JobRef) -> Job:
        return Job.from_json(self._json("GET", f"/jobs/{_id(job)}"))

    def list_jobs(self, model: Optional[ModelRef] = None, status: Optional[str] = None, page: int = 0,
                  size: int = 20) -> Page[Job]:
        """One page of jobs, oldest first, optionally of one model and/or in one status (``RUNNING``, ...)."""
        params = {"modelId": None if model is None else _id(model), "status": status, "page": page, "size": size}
        return self._page("/jobs", Job.from_json, params)

    def iter_jobs(self, model: Optional[ModelRef] = None, status: Optional[str] = None,
                  size: int = 100) -> Iterator[Job]:
        params = {"modelId": None if model is None else _id(model), "status": status}
        return self._iterate("/jobs", Job.from_json, params, size)

    def cancel_job(self, job: JobRef) -> Job:
        """Asks the job to stop; the answer may still say RUNNING (:meth:`wait` for CANCELLED)."""
        return Job.from_json(self._json("POST", f"/jobs/{_id(job)}/cancel"))

    def wait(self, job: JobRef, *, on_epoch: Optional[EpochCallback] = None, timeout: Optional[float] = None,
             progress: bool = False, events: bool = True, poll_interval: float = 1.0,
             raise_on_failure: bool = False) -> Job:
        """Follows the job until it ends and returns it as it ended (SUCCEEDED, FAILED or CANCELLED).

        ``on_epoch(epoch)`` is called once per finished epoch, in order (the epochs already done first).
        The job's event stream (``GET /jobs/{id}/events``) is followed; when it cannot be had the job is polled
        every ``poll_interval`` seconds instead (``events=False`` polls from the start). ``progress=True``
        shows a tqdm bar (terminal or notebook) when tqdm is installed. After ``timeout`` seconds a
        :class:`~chainrule.errors.WaitTimeout` is raised (the job goes on). ``raise_on_failure`` raises
        :class:`~chainrule.errors.JobFailed` for a job that did not succeed.
        """
        current = job if isinstance(job, Job) else self.get_job(job)
        deadline = None if timeout is None else time.monotonic() + timeout
        bar = ProgressBar(progress, current.epochs, current.id)
        try:
            final = JobFollower(self._http, current.id, on_epoch, bar, deadline, poll_interval).run(events)
        finally:
            bar.close()
        if raise_on_failure and not final.succeeded:
            raise JobFailed(final)
        return final

    # -- scoring -----------------------------------------------------------------------------------------------

    #: the result's downloadable forms: the path after /jobs/{id}/result
    SCORES_FORMATS = {"csv": (".csv", None), "csv.gz": (".csv", "true"), "f32": (".f32", None)}

    def score(self, model: ModelRef, dataset: DatasetRef, *, version: VersionRef = None) -> Job:
        """Scores a stored dataset with a version, as a job (``POST /models/{id}/score``): every row through the
        predict path, the outputs (and class index for a classifier) kept as a downloadable result, with metrics
        when the dataset's targets fit the model. :meth:`wait` for it, then :meth:`scoring_result` and
        :meth:`download_scores`. ``version``: a number, ``"latest"`` or an alias (None: the model's default)."""
        body = _compact({"datasetId": _id(dataset), "version": _version(version)})
        return Job.from_json(self._json("POST", f"/models/{_id(model)}/score", body))

    def scoring_result(self, job: JobRef) -> ScoringResult:
        """A succeeded scoring job's columns and metrics (409 :class:`~chainrule.errors.Conflict` before)."""
        return ScoringResult.from_json(self._json("GET", f"/jobs/{_id(job)}/result"))

    def download_scores(self, job: JobRef, destination: Union[PathLike, BinaryIO, None] = None, *,
                        format: str = "csv") -> Union[bytes, Path, BinaryIO]:
        """A succeeded scoring job's result, streamed to ``destination`` (a path or a binary file object, which is
        returned) or returned as bytes. ``format``: ``"csv"``, ``"csv.gz"`` (gzip-compressed) or ``"f32"`` (a JSON
        header, then little-endian float32 rows; docs/scoring.md)."""
        if format not in self.SCORES_FORMATS:
            raise ValueError(f"format must be one of {sorted(self.SCORES_FORMATS)}, got {format!r}")
        suffix, gzip = self.SCORES_FORMATS[format]
        response = self._http.request("GET", f"/jobs/{_id(job)}/result{suffix}", params={"gzip": gzip},
                                      accept="*/*", stream=True)
        return _save(response, destination)

    # -- predictions -------------------------------------------------------------------------------------------

    def _predict_request(self, path: str, instances: Any, version: VersionRef, binary: Optional[bool]) -> Any:
        as_binary = _arrays.is_ndarray(instances) if binary is None else binary
        if as_binary:
            data, rows = _arrays.float32_body(instances)
            return self._http.request("POST", path, params={"version": version, "rows": rows}, body=data,
                                      content_type="application/octet-stream").json()
        body = _compact({"instances": _arrays.rows(instances, "instances"), "version": _version(version)})
        return self._json("POST", path, body)

    def predict(self, model: ModelRef, instances: Any, *, version: VersionRef = None,
                binary: Optional[bool] = None) -> Predictions:
        """Predictions of a trained version for rows of raw features: ``version`` a number, ``"latest"`` or an
        alias's name (``"production"``); by default the model's default alias's version, or the latest.

        ``instances`` is a 2-D array, a DataFrame or a list of rows. ``binary=True`` sends them as little-endian
        float32 values (``application/octet-stream``), which spares the service parsing text; the default
        sends NumPy arrays that way and lists as JSON.
        """
        return Predictions.from_json(self._predict_request(f"/models/{_id(model)}/predict", instances, version,
                                                           binary))

    def predict_dry_run(self, model: ModelRef, instances: Any, *, version: VersionRef = None,
                        binary: Optional[bool] = None) -> DryRun:
        """Checks a predict request as :meth:`predict` would, without computing it."""
        d = self._predict_request(f"/models/{_id(model)}/predict/dry-run", instances, version, binary)
        return DryRun(d["modelId"], d["version"], d["task"], d["instances"], d.get("alias"))

    def input_gradients(self, model: ModelRef, instances: Any, targets: Any, *,
                        version: VersionRef = None) -> InputGradients:
        """dJ/dx for each instance and its target: which inputs move the loss, and which way."""
        body = _compact({"instances": _arrays.rows(instances, "instances"), "targets": _arrays.targets(targets),
                         "version": _version(version)})
        d = self._json("POST", f"/models/{_id(model)}/input-gradients", body)
        return InputGradients(d["modelId"], d["version"], d["gradients"], d.get("alias"))

    def infer(self, model: Union[ModelRef, str], instances: Any, *, version: VersionRef = None,
              outputs: Optional[Sequence[str]] = None, request_id: Optional[str] = None) -> Inference:
        """Inference through the Open Inference Protocol v2 (KServe's REST dialect, as Triton and Seldon speak it):
        ``model`` an id or a model's unique name, ``version`` a number or an alias, ``outputs`` the tensors wanted
        (``output``, ``class_index``; default all). Rows go as one FP32 tensor named ``input``."""
        rows = _arrays.rows(instances, "instances")
        width = len(rows[0]) if rows else 0
        body = _compact({"id": request_id,
                         "inputs": [{"name": "input", "datatype": "FP32", "shape": [len(rows), width],
                                     "data": [value for row in rows for value in row]}],
                         "outputs": [{"name": name} for name in outputs] if outputs else None})
        name = model if isinstance(model, str) else _id(model)
        path = f"/v2/models/{_segment(name)}" + (f"/versions/{_segment(str(version))}" if version is not None else "")
        return Inference.from_json(self._json("POST", path + "/infer", body))

    # -- aliases -----------------------------------------------------------------------------------------------

    def set_alias(self, model: ModelRef, alias: str, version: Union[int, str]) -> Alias:
        """Points ``alias`` at a version (a number, ``"latest"`` or another alias's name), creating or moving it;
        every move is kept in its history. Names: 1 to 64 lowercase letters, digits, ``-`` and ``_``, never all
        digits nor ``latest``."""
        return Alias.from_json(self._json("PUT", f"/models/{_id(model)}/aliases/{_segment(alias)}",
                                          {"version": _version(version)}))

    def get_alias(self, model: ModelRef, alias: str) -> Alias:
        """The alias and its history, oldest move first."""
        return Alias.from_json(self._json("GET", f"/models/{_id(model)}/aliases/{_segment(alias)}"))

    def list_aliases(self, model: ModelRef) -> List[Alias]:
        """The model's aliases by name (its ``default_alias`` is on :meth:`get_model`)."""
        return [Alias.from_json(a) for a in self._json("GET", f"/models/{_id(model)}/aliases")["aliases"]]

    def delete_alias(self, model: ModelRef, alias: str) -> None:
        """Removes the alias (409 :class:`~chainrule.errors.Conflict` while it is the model's default)."""
        self._http.request("DELETE", f"/models/{_id(model)}/aliases/{_segment(alias)}")

    def set_default_alias(self, model: ModelRef, alias: str) -> Model:
        """Makes predictions that name no version use this alias's version; the model as it is then."""
        return Model.from_json(self._json("PUT", f"/models/{_id(model)}/default-alias", {"alias": alias}))

    def clear_default_alias(self, model: ModelRef) -> Model:
        """Predictions that name no version use the latest one again; the model as it is then."""
        return Model.from_json(self._json("DELETE", f"/models/{_id(model)}/default-alias"))

    # -- service -----------------------------------------------------------------------------------------------

    def access(self) -> KeyAccess:
        """What this client's API key may do (``GET /access``): ``READ`` or ``ADMIN`` and the key's name; ``ADMIN``
        and no name on a service without keys. :class:`~chainrule.errors.Unauthorized` when the service has keys
        and this client has none, or one that is not one of them."""
        return KeyAccess.from_json(self._json("GET", "/access"))

    def health(self) -> str:
        """The service's health (``UP``, ``DOWN``, ``OUT_OF_SERVICE``); never needs a key."""
        from .errors import ServerError
        try:
            return str(self._json("GET", "/actuator/health")["status"])
        except ServerError as e:
            return str(e.problem.raw.get("status", "DOWN"))

    def info(self) -> Dict[str, Any]:
        """What the service tells about itself (build, git)."""
        return dict(self._json("GET", "/actuator/info") or {})

    def metric_names(self) -> List[str]:
        return list(self._json("GET", "/actuator/metrics")["names"])

    def metric(self, name: str, tags: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
        """One meter's measurements (``{"name", "measurements", "availableTags", ...}``), optionally by tags."""
        params = {"tag": [f"{k}:{v}" for k, v in tags.items()]} if tags else None
        return dict(self._json("GET", f"/actuator/metrics/{name}", params=params))

    def prometheus(self) -> str:
        """Every meter in the Prometheus text format."""
        response: Response = self._http.request("GET", "/actuator/prometheus", accept="text/plain")
        return response.body.decode("utf-8")

    # -- paging ------------------------------------------------------------------------------------------------

    def _page(self, path: str, parse: Any, params: Dict[str, Any]) -> Page[Any]:
        d = self._json("GET", path, params=params)
        return Page([parse(x) for x in d["items"]], d["page"], d["size"], d["totalItems"], d["totalPages"])

    def _iterate(self, path: str, parse: Any, params: Dict[str, Any], size: int) -> Iterator[Any]:
        page = 0
        while True:
            current = self._page(path, parse, dict(params, page=page, size=size))
            yield from current.items
            if not current.has_next:
                return
            page += 1


def _save(response, destination):
    """A streamed download's body: returned as bytes (destination None), written to a binary file object, or to a
    path; the response is closed either way."""
    try:
        assert response.stream is not None
        if destination is None:
            return response.stream.read()
        if hasattr(destination, "write"):
            shutil.copyfileobj(response.stream, destination, _uploads.CHUNK)
            return destination
        path = Path(destination)
        with open(path, "wb") as out:
            shutil.copyfileobj(response.stream, out, _uploads.CHUNK)
        return path
    finally:
        response.close()
