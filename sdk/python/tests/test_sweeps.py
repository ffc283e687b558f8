"""Sweeps: start a grid on iris, follow its trials to the end, check the best against the trials' jobs, predict."""
from __future__ import annotations

import pytest

import chainrule
from conftest import iris_csv


def test_a_grid_on_iris_is_followed_to_its_end_and_its_best_predicts(client) -> None:
    dataset = client.upload_dataset(iris_csv(), name="iris-sweep")
    model = {"inputWidth": 4, "layers": [{"units": 8, "activation": "tanh"}, {"units": 3, "activation": "softmax"}],
             "loss": "cross_entropy", "seed": 3}
    sweep = client.create_sweep(model, dataset, {"units": [4, 8], "learning_rate": [0.003, 0.03]},
                                validation_split=0.2, training={"epochs": 8, "batchSize": 16}, name="py grid")
    assert sweep.progress["planned"] == 4
    assert [t.parameters for t in sweep.trials] == [{"units": 4, "learningRate": 0.003}, {"units": 4, "learningRate": 0.03},
                                                    {"units": 8, "learningRate": 0.003}, {"units": 8, "learningRate": 0.03}]
    ended = []
    done = client.wait_sweep(sweep, on_trial=ended.append, timeout=300, poll_interval=0.2)
    assert done.state == "SUCCEEDED" and done.finished
    assert sorted(t.trial for t in ended) == [1, 2, 3, 4]
    losses = {}
    for trial in done.trials:
        job = client.get_job(trial.job_id)
        assert job.sweep_id == sweep.id and job.succeeded
        losses[trial.trial] = job.history[-1].validation_loss
        assert trial.metric == losses[trial.trial]
    assert done.best.trial == min(losses, key=lambda t: (losses[t], t))

    predictions = client.predict_with_sweep(done, [[5.1, 3.5, 1.4, 0.2]])
    assert predictions.model_id == done.best.model_id and predictions.version == done.best.version

    client.delete_sweep(done)
    with pytest.raises(chainrule.NotFound):
        client.get_sweep(done.id)
    client.delete_dataset(dataset)


def test_a_bad_sweep_names_every_field(client) -> None:
    with pytest.raises(chainrule.ValidationError) as refused:
        client.create_sweep({"inputWidth": 4, "layers": [{"units": 3, "activation": "softmax"}], "loss": "cross_entropy"},
                            "no-such-dataset", {"units": []}, metric="auc")
    fields = {e.field for e in refused.value.errors}
    assert {"space.units", "metric", "training.validationSplit"} <= fields
