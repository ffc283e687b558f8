"""The client where numpy cannot be imported: lists in and out, float32 bodies packed by the standard library."""
from __future__ import annotations

import sys

import pytest

import chainrule
from chainrule import _arrays
from conftest import define_iris


@pytest.fixture
def no_numpy(monkeypatch):
    """numpy made unimportable for the test (an import of it raises ImportError), as in an environment without it."""
    monkeypatch.setitem(sys.modules, "numpy", None)
    assert _arrays.numpy() is None


def test_define_upload_train_and_predict_with_lists_only(client, iris, no_numpy) -> None:
    header, features, targets = iris
    dataset = client.upload_dataset(features, targets, name="iris-lists", columns=header)
    assert dataset.rows == 150 and dataset.class_counts == {0: 50, 1: 50, 2: 50}
    model = define_iris(client, "iris-lists")
    seen = []
    job = client.wait(client.train(model, dataset=dataset, epochs=40, batch_size=16, learning_rate=0.02),
                      on_epoch=seen.append, timeout=120)
    assert job.succeeded and len(seen) == 40

    as_json = client.predict(model, features)
    as_float32 = client.predict(model, features, binary=True)
    assert as_json == as_float32
    accuracy = sum(int(p == t) for p, t in zip(as_json.labels, targets)) / len(targets)
    assert accuracy >= 0.9
    assert client.predict_dry_run(model, features[:4], binary=True).instances == 4

    gradients = client.input_gradients(model, features[:2], targets[:2])
    assert len(gradients.gradients) == 2 and all(len(g) == 4 for g in gradients.gradients)
    with pytest.raises(ImportError, match="needs numpy"):
        as_json.outputs_array()
    with pytest.raises(ImportError, match="needs numpy"):
        gradients.array()


def test_float32_body_of_ragged_rows_is_refused_before_sending(client, trained_iris, no_numpy) -> None:
    with pytest.raises(ValueError, match="one width"):
        client.predict(trained_iris, [[1.0, 2.0, 3.0, 4.0], [1.0, 2.0]], binary=True)


def test_float32_packing_is_little_endian_row_major(no_numpy) -> None:
    import struct
    body, rows = _arrays.float32_body([[1.5, -2.0], [3.25, 4.0]])
    assert rows == 2 and body == struct.pack("<4f", 1.5, -2.0, 3.25, 4.0)
