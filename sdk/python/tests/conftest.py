"""Tests of the Python client against a live Chainrule service (no mocks).

The service is given by the environment, as sdk/python/ci.sh sets it:
  CHAINRULE_URL            the service's base URL (required)
  CHAINRULE_API_KEY        an ADMIN key, when the service has keys
  CHAINRULE_READ_API_KEY   a READ key of the same service (for the 403 tests)
"""
from __future__ import annotations

import csv
import json
import os
import struct
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

import chainrule

ROOT = Path(__file__).resolve().parents[3]


def iris_csv() -> Path:
    """iris.csv from the repository's datasets/."""
    path = ROOT / "datasets" / "iris" / "iris.csv"
    if not path.is_file():
        raise FileNotFoundError(f"iris.csv not found at {path}")
    return path


def load_iris() -> Tuple[List[str], List[List[float]], List[int]]:
    with open(iris_csv(), newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [r for r in reader if r]
    return header, [[float(v) for v in r[:4]] for r in rows], [int(r[4]) for r in rows]


@pytest.fixture(scope="session")
def base_url() -> str:
    url = os.environ.get("CHAINRULE_URL")
    if not url:
        pytest.exit("CHAINRULE_URL is not set: these tests run against a live service (see sdk/python/ci.sh)", 2)
    return url


@pytest.fixture(scope="session")
def api_key() -> Optional[str]:
    return os.environ.get("CHAINRULE_API_KEY") or None


@pytest.fixture(scope="session")
def read_key() -> Optional[str]:
    return os.environ.get("CHAINRULE_READ_API_KEY") or None


@pytest.fixture(scope="session")
def client(base_url: str, api_key: Optional[str]) -> chainrule.Client:
    with chainrule.Client(base_url, api_key=api_key, timeout=60) as c:
        yield c


@pytest.fixture(scope="session")
def iris() -> Tuple[List[str], List[List[float]], List[int]]:
    return load_iris()


def define_iris(client: chainrule.Client, name: str = "iris", seed: int = 42) -> chainrule.Model:
    return client.create_model(4, [(8, "relu"), (3, "softmax")], "cross_entropy", name=name, seed=seed)


@pytest.fixture(scope="session")
def trained_iris(client: chainrule.Client, iris: Any) -> chainrule.Model:
    """An iris classifier trained on every row (60 epochs of Adam), version 1."""
    _, features, targets = iris
    model = define_iris(client, "iris-trained")
    job = client.wait(client.train(model, features, targets, epochs=60, batch_size=16, learning_rate=0.02,
                                   validation_split=0.2), timeout=300)
    assert job.status == "SUCCEEDED", job.failure_reason
    return client.get_model(model)


def long_job(client: chainrule.Client, model: chainrule.Model, iris: Any) -> chainrule.Job:
    """A job that runs for minutes unless cancelled (10,000 epochs of per-row SGD on iris)."""
    _, features, targets = iris
    return client.train(model, features, targets, epochs=10000, batch_size=1)


def read_model_file(data: bytes) -> Tuple[Dict[str, Any], List[Any]]:
    """The header and arrays of a Chainrule model file (docs/model-format.md), read with numpy."""
    import numpy as np
    assert data[:16] == b"CHAINRULE-MODEL\n"
    (length,) = struct.unpack("<I", data[16:20])
    header = json.loads(data[20:20 + length].decode("utf-8"))
    dtype = "<f4" if header["dataType"] == "float32" else "<f8"
    offset, arrays = 20 + length, []
    for spec in header["arrays"]:
        count = int(np.prod(spec["shape"]))
        arrays.append(np.frombuffer(data, dtype=dtype, count=count, offset=offset).reshape(spec["shape"]))
        offset += count * np.dtype(dtype).itemsize
    assert offset == len(data)
    return header, arrays


def forward(data: bytes, x: Any) -> Any:
    """The network of an exported model file applied to raw rows, in float64: an independent forward pass."""
    import numpy as np
    header, arrays = read_model_file(data)
    h = np.asarray(x, dtype=np.float64)
    scaling = header.get("standardisation")
    if scaling:
        h = (h - np.asarray(scaling["mean"])) / np.asarray(scaling["std"])
    for i, layer in enumerate(header["definition"]["layers"]):
        h = h @ arrays[2 * i].astype(np.float64) + arrays[2 * i + 1].astype(np.float64)
        kind = layer["activation"]
        if kind == "relu":
            h = np.maximum(h, 0)
        elif kind == "logistic":
            h = 1 / (1 + np.exp(-h))
        elif kind == "tanh":
            h = np.tanh(h)
        elif kind == "softmax":
            e = np.exp(h - h.max(axis=1, keepdims=True))
            h = e / e.sum(axis=1, keepdims=True)
    return h
