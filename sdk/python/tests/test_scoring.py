"""Scoring a stored dataset as a job: submit through an alias, wait, read the metrics, download CSV, gzip and float32;
every row and the metrics checked against predict on the same rows."""
from __future__ import annotations

import csv
import gzip
import io
import json
import math
import struct

import numpy as np
import pytest

import chainrule
from conftest import iris_csv


def read_f32(data: bytes):
    """The float32 result as docs/scoring.md describes it: magic, header length, JSON header, rows."""
    assert data[:17] == b"CHAINRULE-SCORES\n"
    (length,) = struct.unpack_from("<I", data, 17)
    header = json.loads(data[21:21 + length])
    values = np.frombuffer(data[21 + length:], dtype="<f4").reshape(header["rows"], len(header["columns"]))
    return header, values


def test_score_a_dataset_through_an_alias_and_download_every_row(client, trained_iris, iris) -> None:
    _, features, targets = iris
    dataset = client.upload_dataset(iris_csv(), name="iris-to-score")
    client.set_alias(trained_iris, "scoring-test", 1)
    job = client.score(trained_iris, dataset, version="scoring-test")
    assert job.kind == "scoring" and job.scoring.dataset_id == dataset.id and job.scoring.version == 1
    done = client.wait(job, timeout=300)
    assert done.status == "SUCCEEDED" and done.scoring.rows_scored == 150
    assert done.scoring.result == f"/jobs/{job.id}/result"

    predicted = client.predict(trained_iris, features, version=1)
    outputs = np.asarray(predicted.outputs, dtype=np.float32)
    labels = outputs.argmax(axis=1)
    truth = np.asarray(targets)
    result = client.scoring_result(job)
    assert result.rows == 150 and result.columns == ["output_0", "output_1", "output_2", "class"]
    assert result.metrics["accuracy"] == pytest.approx(float((labels == truth).mean()), abs=1e-12)
    epsilon = client.get_model(trained_iris).loss_epsilon
    log_loss = -np.mean(np.log(outputs[np.arange(150), truth].astype(np.float64) + epsilon))
    assert result.metrics["logLoss"] == pytest.approx(log_loss, rel=1e-5)
    confusion = np.zeros((3, 3), dtype=int)
    np.add.at(confusion, (truth, labels), 1)
    assert result.metrics["confusionMatrix"] == confusion.tolist()

    header, values = read_f32(client.download_scores(job, format="f32"))
    assert header["rows"] == 150
    np.testing.assert_allclose(values[:, :3], outputs, atol=1e-6)
    assert values[:, 3].astype(int).tolist() == labels.tolist()

    text = client.download_scores(job).decode("ascii")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == result.columns and len(rows) == 151
    assert np.array_equal(np.asarray([[float(v) for v in r[:3]] for r in rows[1:]], dtype=np.float32), values[:, :3])
    buffer = io.BytesIO()
    client.download_scores(job, buffer, format="csv.gz")
    assert gzip.decompress(buffer.getvalue()).decode("ascii") == text


def test_a_training_job_has_no_scores_and_bad_input_names_the_field(client, trained_iris) -> None:
    training = next(j for j in client.iter_jobs(trained_iris) if j.kind == "training")
    with pytest.raises(chainrule.Conflict) as conflict:
        client.scoring_result(training)
    assert conflict.value.problem.type == "/problems/result-unavailable"
    with pytest.raises(chainrule.NotFound) as missing:
        client.score(trained_iris, "c0ffee00-0000-4000-8000-000000000000")
    assert [e.field for e in missing.value.problem.errors] == ["datasetId"]
    with pytest.raises(ValueError):
        client.download_scores(training, format="xlsx")
