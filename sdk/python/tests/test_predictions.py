"""Predict (JSON and float32), its dry run, input gradients, export and import: numbers checked independently."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

import chainrule
from conftest import define_iris, forward, read_model_file


@pytest.fixture(scope="module")
def exported(client, trained_iris) -> bytes:
    return client.export_version(trained_iris, 1)


def test_predict_matches_an_independent_forward_pass_of_the_exported_file(client, trained_iris, exported,
                                                                          iris) -> None:
    _, features, targets = iris
    x = np.asarray(features, dtype=np.float32)
    result = client.predict(trained_iris, x, version=1)
    assert result.model_id == trained_iris.id and result.version == 1 and result.task == "classification"
    assert len(result) == 150
    expected = forward(exported, x)
    outputs = result.outputs_array()
    assert outputs.dtype == np.float32 and outputs.shape == (150, 3)
    np.testing.assert_allclose(outputs, expected, atol=2e-6)
    assert result.labels == [int(i) for i in expected.argmax(axis=1)]
    assert (result.labels_array() == np.asarray(targets)).mean() >= 0.9
    for p in result:
        assert p.probabilities == p.outputs and p.class_index == int(np.argmax(p.outputs))
        assert sum(p.outputs) == pytest.approx(1.0, abs=1e-6)
        assert p.probability is None and p.decision is None


def test_float32_and_json_bodies_give_identical_predictions(client, trained_iris, iris) -> None:
    _, features, _ = iris
    x = np.asarray(features[:20], dtype=np.float64)
    as_binary = client.predict(trained_iris, x)  # arrays go as float32 by default
    as_json = client.predict(trained_iris, x, binary=False)
    lists_binary = client.predict(trained_iris, features[:20], binary=True)
    assert as_binary == as_json == lists_binary
    one_row = client.predict(trained_iris, np.asarray(features[0]))  # a 1-D array is one row
    assert len(one_row) == 1  # computed alone (the single-row path), so equal to float32 rounding
    np.testing.assert_allclose(one_row.outputs_array(), as_json.outputs_array()[:1], rtol=1e-5, atol=1e-9)
    frame = pytest.importorskip("pandas").DataFrame(features[:20])
    assert client.predict(trained_iris, frame) == as_binary


def test_float32_rows_of_the_wrong_width_name_the_body(client, trained_iris) -> None:
    with pytest.raises(chainrule.ValidationError) as raised:
        client.predict(trained_iris, np.zeros((2, 3), dtype=np.float32))
    assert "body" in raised.value.field_errors() or "rows" in raised.value.field_errors()
    with pytest.raises(chainrule.ValidationError) as json_raised:
        client.predict(trained_iris, [[1.0, 2.0, 3.0]])
    assert any(f.startswith("instances[0]") for f in json_raised.value.field_errors())
    with pytest.raises(ValueError):
        client.predict(trained_iris, [[float("nan"), 1.0, 1.0, 1.0]])  # JSON has no NaN: refused before sending


def test_dry_run_checks_without_computing(client, trained_iris, iris) -> None:
    _, features, _ = iris
    run = client.predict_dry_run(trained_iris, np.asarray(features[:7]))
    assert (run.model_id, run.version, run.task, run.instances) == (trained_iris.id, 1, "classification", 7)
    assert client.predict_dry_run(trained_iris, features[:3], version=1).instances == 3
    with pytest.raises(chainrule.NotFound):
        client.predict_dry_run(trained_iris, features[:3], version=99)


def test_input_gradients_match_numerical_gradients_of_the_loss(client, trained_iris, exported, iris) -> None:
    _, features, targets = iris
    rows = [0, 60, 120]
    x = np.asarray([features[i] for i in rows], dtype=np.float64)
    y = [targets[i] for i in rows]
    result = client.input_gradients(trained_iris, x, y)
    assert result.model_id == trained_iris.id and result.version == 1
    gradients = result.array()
    assert gradients.shape == (3, 4)
    h = 1e-4
    for r, target in enumerate(y):
        for c in range(4):
            up, down = x[r:r + 1].copy(), x[r:r + 1].copy()
            up[0, c] += h
            down[0, c] -= h
            numerical = (-np.log(forward(exported, up)[0, target]) + np.log(forward(exported, down)[0, target])) / (2 * h)
            assert gradients[r, c] == pytest.approx(numerical, rel=1e-2, abs=1e-4)
    one_hot = client.input_gradients(trained_iris, x.tolist(), [[1, 0, 0], [0, 1, 0], [0, 0, 1]], version=1)
    np.testing.assert_allclose(one_hot.array(), gradients, rtol=1e-5, atol=1e-7)


def test_an_untrained_model_cannot_predict(client) -> None:
    model = define_iris(client, "iris-untrained")
    with pytest.raises(chainrule.ModelNotTrained) as raised:
        client.predict(model, [[5.1, 3.5, 1.4, 0.2]])
    assert raised.value.status == 409 and raised.value.type == "/problems/model-not-trained"
    with pytest.raises(chainrule.ModelNotTrained):
        client.input_gradients(model, [[5.1, 3.5, 1.4, 0.2]], [0])


def test_an_output_that_overflows_float32_is_non_finite_result(client, iris) -> None:
    _, features, _ = iris
    model = client.create_model(3, [(1, "linear")], "squared_error", name="petal-width")
    x = [row[:3] for row in features]
    y = [row[3] for row in features]
    assert client.wait(client.train(model, x, y, epochs=5), timeout=120).succeeded
    regression = client.predict(model, x[:2])
    assert regression.task == "regression" and all(len(p.outputs) == 1 for p in regression)
    with pytest.raises(ValueError):
        regression.labels
    with pytest.raises(chainrule.NonFiniteResult) as raised:
        client.predict(model, [x[0], [3e38, 3e38, 3e38]])
    assert raised.value.status == 422 and [e.field for e in raised.value.errors] == ["instances[1]"]


def test_a_body_over_the_request_limit_is_payload_too_large(client, trained_iris) -> None:
    limit = 64 * 1024 * 1024  # chainrule.limits.max-request-size's default, which the tested service keeps
    rows = np.zeros((limit // 16 + 1, 4), dtype=np.float32)
    with pytest.raises(chainrule.PayloadTooLarge) as raised:
        client.predict(trained_iris, rows)
    assert raised.value.status == 413 and "max-request-size" in (raised.value.detail or "")
    assert client.predict(trained_iris, rows[:2]).task == "classification"  # the client recovers its connection


def test_export_to_bytes_a_path_and_a_file_object_then_import_predicts_identically(client, trained_iris, exported,
                                                                                  iris, tmp_path: Path) -> None:
    header, arrays = read_model_file(exported)
    assert header["definition"]["inputWidth"] == 4 and header["metadata"]["version"] == 1
    path = client.export_version(trained_iris.id, 1, tmp_path / "iris.chainrule")
    assert path == tmp_path / "iris.chainrule" and path.read_bytes() == exported
    buffer = io.BytesIO()
    assert client.export_version(trained_iris, 1, buffer) is buffer and buffer.getvalue() == exported
    _, features, _ = iris
    original = client.predict(trained_iris, features, version=1)
    with open(path, "rb") as f:
        sources = [exported, path, str(path), f]
        imported = [client.import_model(source, name=f"iris-imported-{i}") for i, source in enumerate(sources)]
    for i, model in enumerate(imported):
        assert model.name == f"iris-imported-{i}" and model.latest_version == 1
        assert model.versions[0].job_id is None and model.versions[0].epochs == trained_iris.versions[0].epochs
        assert client.predict(model, features).outputs == original.outputs
    assert client.import_model(exported).name == trained_iris.name  # the file's name by default


def test_export_of_a_missing_version_and_import_of_a_non_model_file(client, trained_iris) -> None:
    with pytest.raises(chainrule.NotFound):
        client.export_version(trained_iris, 99)
    with pytest.raises(chainrule.ValidationError) as raised:
        client.import_model(b"not a model file at all")
    assert "body" in raised.value.field_errors()


def test_rows_of_numpy_values_in_lists_are_sent_as_numbers(client, trained_iris, iris) -> None:
    _, features, targets = iris
    mixed = [np.asarray(features[0], dtype=np.float32), [np.float64(v) for v in features[1]], tuple(features[2])]
    result = client.predict(trained_iris, mixed, binary=False)
    np.testing.assert_allclose(result.outputs_array(), client.predict(trained_iris, features[:3]).outputs_array(),
                               rtol=1e-6, atol=1e-9)
    gradients = client.input_gradients(trained_iris, mixed, [np.int64(t) for t in targets[:3]])
    assert gradients.array().shape == (3, 4)


def test_infer_through_the_open_inference_protocol_agrees_with_predict(client, trained_iris, exported, iris) -> None:
    _, features, _ = iris
    x = np.asarray(features[:20], dtype=np.float32)
    answer = client.infer(trained_iris, x, version=1, request_id="py-client")
    assert answer.model_version == "1" and answer.id == "py-client"
    np.testing.assert_allclose(answer.array("output"), forward(exported, x), atol=2e-6)
    predicted = client.predict(trained_iris, x, version=1)
    assert answer.outputs["class_index"] == predicted.labels
    only = client.infer(trained_iris.id, features[:2], outputs=["class_index"])
    assert list(only.outputs) == ["class_index"] and len(only.outputs["class_index"]) == 2
    with pytest.raises(chainrule.NotFound) as missing:
        client.infer("no-such-model-anywhere", features[:1])
    assert "no model has the id or the name" in (missing.value.problem.detail or "")
