"""Datasets: upload from a path (plain or gzip), a file object, a NumPy array, rows, a DataFrame; list, show, delete."""
from __future__ import annotations

import gzip
import io
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest

import chainrule
from chainrule import _uploads
from conftest import define_iris, iris_csv


def expected_columns(header, features, targets):
    """Per-column statistics over the float32 values, computed here (population std), as the service reports them."""
    table = np.column_stack([np.asarray(features, dtype=np.float32), np.asarray(targets, dtype=np.float32)])
    return {name: (float(col.min()), float(col.max()), float(col.astype(np.float64).mean()),
                   float(col.astype(np.float64).std())) for name, col in zip(header, table.T)}


def assert_iris(dataset: chainrule.Dataset, header, features, targets, names=None) -> None:
    names = names or header
    assert dataset.rows == 150
    assert dataset.feature_columns == names[:4] and dataset.target_columns == [names[4]]
    assert dataset.class_counts == {0: 50, 1: 50, 2: 50}
    expected = expected_columns(names, features, targets)
    for column in dataset.columns:
        lo, hi, mean, std = expected[column.name]
        assert column.min == pytest.approx(lo, rel=1e-6) and column.max == pytest.approx(hi, rel=1e-6)
        assert column.mean == pytest.approx(mean, rel=1e-9) and column.std == pytest.approx(std, rel=1e-9)
    assert [c.role for c in dataset.columns] == ["feature"] * 4 + ["target"]


def test_upload_from_a_path_streams_and_names_it_after_the_file(client, iris) -> None:
    dataset = client.upload_dataset(iris_csv())
    assert dataset.name == "iris"
    assert_iris(dataset, *iris)
    assert client.get_dataset(dataset.id) == dataset


def test_upload_without_compression_and_of_a_file_already_gzip(client, iris, tmp_path: Path) -> None:
    plain = client.upload_dataset(str(iris_csv()), name="iris-plain", compress=False)
    assert_iris(plain, *iris)
    packed = tmp_path / "iris.csv.gz"
    packed.write_bytes(gzip.compress(iris_csv().read_bytes()))
    gz = client.upload_dataset(packed)
    assert gz.name == "iris"
    assert [c for c in gz.columns] == [c for c in plain.columns]


def test_upload_from_a_binary_file_object(client, iris) -> None:
    with open(iris_csv(), "rb") as f:
        dataset = client.upload_dataset(f, name="iris-file", target_columns="species")
    assert dataset.name == "iris-file"
    assert_iris(dataset, *iris)
    with pytest.raises(TypeError):
        with open(iris_csv(), "r") as text:
            client.upload_dataset(text)


def test_upload_from_a_numpy_array_with_targets(client, iris) -> None:
    header, features, targets = iris
    x, y = np.asarray(features, dtype=np.float32), np.asarray(targets)
    dataset = client.upload_dataset(x, y, name="iris-array", columns=header)
    assert_iris(dataset, *iris)
    unnamed = client.upload_dataset(np.column_stack([x, y]))  # the last column is the target by default
    assert unnamed.name == "dataset"
    assert_iris(unnamed, *iris, names=["x0", "x1", "x2", "x3", "x4"])


def test_upload_from_rows_of_python_numbers(client, iris) -> None:
    header, features, targets = iris
    dataset = client.upload_dataset(features, targets, name="iris-rows")
    assert_iris(dataset, *iris, names=["x0", "x1", "x2", "x3", "y"])


def test_upload_from_a_dataframe(client, iris) -> None:
    pd = pytest.importorskip("pandas")
    header, features, targets = iris
    frame = pd.DataFrame(features, columns=header[:4])
    frame[header[4]] = targets
    dataset = client.upload_dataset(frame, name="iris-frame")
    assert_iris(dataset, *iris)
    moved = frame[[header[4]] + header[:4]]  # the target first: named explicitly
    again = client.upload_dataset(moved, target_columns=[header[4]])
    assert again.target_columns == [header[4]] and again.feature_columns == header[:4]


def test_gzip_on_the_fly_is_a_gzip_stream_of_the_same_bytes() -> None:
    data = iris_csv().read_bytes()
    chunks = [data[i:i + 1000] for i in range(0, len(data), 1000)]
    packed = b"".join(_uploads.gzip_chunks(iter(chunks)))
    assert packed[:2] == b"\x1f\x8b" and gzip.decompress(packed) == data
    assert len(packed) < len(data) / 2


def test_a_large_file_is_uploaded_without_being_held_in_memory(client, tmp_path: Path) -> None:
    path = tmp_path / "large.csv"
    rng = np.random.default_rng(3)
    with open(path, "w") as f:
        f.write("a,b,c,d,e,f,g,label\n")
        for _ in range(60):
            block = rng.normal(size=(5000, 7))
            labels = (block[:, 0] > 0).astype(int)
            np.savetxt(f, np.column_stack([block, labels]), fmt=["%.6f"] * 7 + ["%d"], delimiter=",")
    size = path.stat().st_size
    assert size > 20_000_000  # 300,000 rows
    tracemalloc.start()
    try:
        dataset = client.upload_dataset(path, name="large", timeout=300)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert dataset.rows == 300_000 and dataset.feature_columns == list("abcdefg")
    assert peak < size / 10, f"peak Python memory {peak} bytes for a {size}-byte file"
    client.delete_dataset(dataset)


def test_a_csv_that_cannot_be_a_dataset_is_invalid_csv_with_its_line_and_column(client) -> None:
    body = io.BytesIO(b"a,b,label\n1,2,0\n3,abc,1\n")
    with pytest.raises(chainrule.InvalidCsv) as raised:
        client.upload_dataset(body, name="bad")
    error = raised.value
    assert error.status == 400 and error.line == 3 and error.column == "b"
    assert isinstance(error, chainrule.ValidationError)
    assert "'abc' is not a number" in (error.detail or "")
    assert len(error.errors) == 1 and error.errors[0].field == "(body)"


def test_a_missing_target_column_names_target(client) -> None:
    with pytest.raises(chainrule.InvalidCsv) as raised:
        client.upload_dataset(iris_csv(), target_columns="label")
    assert raised.value.field_errors().keys() == {"target"} and raised.value.column == "label"


def test_list_iterate_and_delete_datasets(client, iris) -> None:
    header, features, targets = iris
    made = client.upload_dataset(features, targets, name="iris-list")
    page = client.list_datasets(size=1)
    assert page.size == 1 and len(page) == 1 and page.total_items >= 1
    assert made.id in [d.id for d in client.iter_datasets(size=2)]
    client.delete_dataset(made.id)
    with pytest.raises(chainrule.NotFound):
        client.get_dataset(made)
    assert made.id not in [d.id for d in client.iter_datasets()]


def test_a_dataset_a_running_job_reads_cannot_be_deleted(client, iris) -> None:
    header, features, targets = iris
    dataset = client.upload_dataset(features, targets, name="iris-in-use")
    model = define_iris(client, "iris-dataset-in-use")
    job = client.train(model, dataset=dataset, epochs=10000, batch_size=1)
    try:
        with pytest.raises(chainrule.DatasetInUse) as raised:
            client.delete_dataset(dataset)
        assert raised.value.status == 409 and isinstance(raised.value, chainrule.Conflict)
    finally:
        client.cancel_job(job)
    assert client.wait(job, timeout=60).status == "CANCELLED"
    client.delete_dataset(dataset)


def test_in_memory_options_are_refused_for_a_file(client) -> None:
    with pytest.raises(ValueError):
        client.upload_dataset(iris_csv(), [0, 1])
    with pytest.raises(FileNotFoundError):
        client.upload_dataset(Path("/nonexistent/file.csv"))
