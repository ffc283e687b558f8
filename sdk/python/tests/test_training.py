"""Training: inline rows or a dataset, wait over the event stream or by polling, progress bar, cancel, failures."""
from __future__ import annotations

import sys
import time

import numpy as np
import pytest

import chainrule
from chainrule._follow import JobFollower, ProgressBar
from conftest import define_iris, long_job


def test_train_inline_numpy_and_wait_calls_back_every_epoch_in_order(client, iris) -> None:
    _, features, targets = iris
    model = define_iris(client, "iris-wait")
    job = client.train(model, np.asarray(features), np.asarray(targets), epochs=12, batch_size=16,
                       optimizer={"type": "adam", "learningRate": 0.02}, validation_split=0.2, shuffle_seed=5)
    assert job.model_id == model.id and job.epochs == 12 and job.status in ("QUEUED", "RUNNING", "SUCCEEDED")
    seen = []
    final = client.wait(job, on_epoch=seen.append, timeout=120)
    assert final.status == "SUCCEEDED" and final.succeeded and final.ended
    assert [e.epoch for e in seen] == list(range(1, 13))
    assert seen == final.history
    assert final.version == 1 and final.end_reason == "completed" and final.progress == 1.0
    assert final.final_metrics["accuracy"] == seen[-1].validation_metrics["accuracy"]
    assert all(e.validation_loss is not None and e.duration_seconds >= 0 for e in seen)
    trained = client.get_model(model)
    assert trained.training_state == "TRAINED" and trained.latest_version == 1
    assert trained.versions[0].job_id == job.id and trained.versions[0].epochs == 12


def test_wait_follows_the_event_stream(client, iris) -> None:
    _, features, targets = iris
    model = define_iris(client, "iris-sse")
    job = client.train(model, features, targets, epochs=8, batch_size=8)
    seen = []
    follower = JobFollower(client._http, job.id, seen.append, ProgressBar(False, 8, job.id), None, 0.05)
    final = follower.run(events=True)
    assert follower.used_events, "the job's events were not read from its stream"
    assert final.status == "SUCCEEDED" and [e.epoch for e in seen] == list(range(1, 9))


def test_wait_by_polling_gives_the_same_epochs(client, iris) -> None:
    _, features, targets = iris
    model = define_iris(client, "iris-poll")
    job = client.train(model, features, targets, epochs=8, batch_size=8, validation_split=0.25)
    seen = []
    final = client.wait(job.id, on_epoch=seen.append, events=False, poll_interval=0.05, timeout=120)
    assert final.status == "SUCCEEDED"
    assert [e.epoch for e in seen] == list(range(1, 9)) and seen == final.history


def test_a_finished_job_replays_its_epochs(client, iris) -> None:
    _, features, targets = iris
    model = define_iris(client, "iris-replay")
    first = client.wait(client.train(model, features, targets, epochs=5), timeout=120)
    again = []
    assert client.wait(first, on_epoch=again.append) == first
    assert again == first.history


def test_train_by_dataset_id_with_a_validation_dataset_and_early_stopping(client, iris) -> None:
    header, features, targets = iris
    train_set = client.upload_dataset(features[::2], targets[::2], name="iris-even", columns=header)
    valid_set = client.upload_dataset(features[1::2], targets[1::2], name="iris-odd", columns=header)
    model = define_iris(client, "iris-by-dataset")
    job = client.train(model, dataset=train_set, validation_dataset=valid_set, epochs=300, learning_rate=0.05,
                       early_stopping={"patience": 3, "restoreBest": True})
    final = client.wait(job, timeout=300)
    assert final.status == "SUCCEEDED" and final.final_metrics["accuracy"] >= 0.85
    assert final.current_epoch <= 300
    if final.end_reason == "early_stopped":
        assert len(final.history) < 300


def test_continue_training_from_a_version(client, trained_iris, iris) -> None:
    _, features, targets = iris
    job = client.train(trained_iris, features, targets, epochs=2, initialization="continue", from_version=1,
                       optimizer="sgd", l2=1e-4)
    assert job.from_version == 1
    final = client.wait(job, timeout=120)
    assert final.status == "SUCCEEDED" and final.version == 2
    assert client.get_model(trained_iris).latest_version == 2


def test_progress_bar_shows_the_epochs(client, iris, capsys) -> None:
    pytest.importorskip("tqdm")
    _, features, targets = iris
    model = define_iris(client, "iris-progress")
    final = client.wait(client.train(model, features, targets, epochs=6, validation_split=0.2), progress=True,
                        timeout=120)
    assert final.status == "SUCCEEDED"
    err = capsys.readouterr().err
    assert "6/6" in err and "epoch" in err and "val_loss" in err and f"job {final.id[:8]}" in err


def test_progress_without_tqdm_warns_and_still_waits(client, iris, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    _, features, targets = iris
    model = define_iris(client, "iris-no-tqdm")
    with pytest.warns(UserWarning, match="needs tqdm"):
        final = client.wait(client.train(model, features, targets, epochs=2), progress=True, timeout=120)
    assert final.status == "SUCCEEDED"


def test_cancel_stops_a_running_job_without_a_version(client, iris) -> None:
    model = define_iris(client, "iris-cancel")
    job = long_job(client, model, iris)
    answer = client.cancel_job(job)
    assert answer.id == job.id and answer.status in ("QUEUED", "RUNNING", "CANCELLED")
    final = client.wait(job, timeout=60)
    assert final.status == "CANCELLED" and final.version is None and final.finished_at is not None
    assert client.get_model(model).versions == []
    with pytest.raises(chainrule.JobFailed) as raised:
        client.wait(job, raise_on_failure=True)
    assert raised.value.job.status == "CANCELLED"


def test_wait_gives_up_after_its_timeout_and_the_job_goes_on(client, iris) -> None:
    model = define_iris(client, "iris-timeout")
    job = long_job(client, model, iris)
    try:
        started = time.monotonic()
        with pytest.raises(chainrule.WaitTimeout) as raised:
            client.wait(job, timeout=1.5)
        assert 1.4 <= time.monotonic() - started < 10
        assert isinstance(raised.value, TimeoutError)
        assert raised.value.job.status in ("QUEUED", "RUNNING")
        with pytest.raises(chainrule.WaitTimeout):
            client.wait(job, timeout=1.0, events=False, poll_interval=0.2)
        with pytest.raises(chainrule.ModelInUse) as in_use:
            client.delete_model(model)
        assert in_use.value.status == 409
    finally:
        client.cancel_job(job)
    client.wait(job, timeout=60)
    client.delete_model(model)


def test_a_diverging_job_fails_with_its_reason(client) -> None:
    model = client.create_model(1, [(1, "linear")], "squared_error", name="diverges")
    features = [[1e18], [-1e18], [2e18], [-2e18]]
    job = client.train(model, features, [1e18, -1e18, 2e18, -2e18], epochs=50, optimizer="sgd", learning_rate=10,
                       standardize=False)
    final = client.wait(job, timeout=120)
    assert final.status == "FAILED" and "diverged" in (final.failure_reason or "")
    with pytest.raises(chainrule.JobFailed, match="diverged"):
        client.wait(job, raise_on_failure=True)


def test_list_jobs_by_model_and_status(client, iris) -> None:
    _, features, targets = iris
    model = define_iris(client, "iris-jobs")
    done = [client.wait(client.train(model, features, targets, epochs=1), timeout=120) for _ in range(3)]
    page = client.list_jobs(model=model, size=2)
    assert page.total_items == 3 and [j.id for j in page] == [j.id for j in done[:2]]
    assert [j.id for j in client.iter_jobs(model=model.id, status="SUCCEEDED", size=2)] == [j.id for j in done]
    assert client.list_jobs(model=model, status="CANCELLED").total_items == 0
    assert client.get_job(done[0].id) == done[0]
    with pytest.raises(chainrule.ValidationError) as raised:
        client.list_jobs(status="FINISHED")
    assert "status" in raised.value.field_errors()


def test_invalid_training_requests_name_their_fields(client, iris) -> None:
    _, features, targets = iris
    model = define_iris(client, "iris-bad-train")
    with pytest.raises(chainrule.ValidationError) as raised:
        client.train(model, features, targets[:-1], epochs=0, batch_size=0)
    assert {"epochs", "batchSize"} <= set(raised.value.field_errors())
    with pytest.raises(chainrule.ModelNotTrained):
        client.train(model, features, targets, initialization="continue")
    with pytest.raises(chainrule.NotFound):
        client.get_job("no-such-job")
    with pytest.raises(ValueError):
        client.train(model, features)
