"""Aliases: promote a version, predict through the alias and the default, move it, read its history; the errors."""
from __future__ import annotations

from typing import Any

import pytest

import chainrule
from conftest import define_iris


def test_a_promoted_version_serves_until_its_alias_moves(client: chainrule.Client, iris: Any, tmp_path: Any) -> None:
    _, features, targets = iris
    model = define_iris(client, "iris-aliases", seed=11)
    for epochs in (5, 15):
        job = client.wait(client.train(model, features, targets, epochs=epochs, batch_size=16, learning_rate=0.02),
                          timeout=300)
        assert job.status == "SUCCEEDED", job.failure_reason
    rows = [features[0], features[70], features[140]]
    v1 = client.predict(model, rows, version=1)
    v2 = client.predict(model, rows, version=2)
    assert v1.outputs != v2.outputs  # so the checks below can tell them apart

    promoted = client.set_alias(model, "production", 1)
    assert (promoted.alias, promoted.version, len(promoted.history)) == ("production", 1, 1)
    shown = client.set_default_alias(model, "production")
    assert shown.default_alias == "production" and shown.aliases == {"production": 1}

    through = client.predict(model, rows, version="production")
    assert (through.version, through.alias, through.outputs) == (1, "production", v1.outputs)
    assert client.predict(model, rows).outputs == v1.outputs  # unnamed: the default alias
    assert client.predict(model, rows, version="production", binary=True).outputs == v1.outputs
    assert client.predict(model, rows, version="latest").outputs == v2.outputs
    assert client.predict(model, rows, version="2").outputs == v2.outputs  # digits go as a number
    assert client.predict_dry_run(model, rows, version="production").alias == "production"
    assert client.input_gradients(model, rows, [0, 1, 2], version="production").gradients == \
        client.input_gradients(model, rows, [0, 1, 2], version=1).gradients
    assert client.export_version(model, "production") == client.export_version(model, 1)

    moved = client.set_alias(model, "production", 2)
    assert moved.version == 2 and moved.is_default
    assert client.predict(model, rows, version="production").outputs == v2.outputs
    assert client.predict(model, rows).outputs == v2.outputs
    assert client.set_alias(model, "staging", "production").version == 2
    job = client.wait(client.train(model, features, targets, epochs=1, initialization="continue",
                                   from_version="staging"), timeout=300)
    assert job.from_version == 2

    history = client.get_alias(model, "production").history
    assert [(m.from_version, m.to_version) for m in history] == [(None, 1), (1, 2)]
    assert history[0].moved_at <= history[1].moved_at
    assert [a.alias for a in client.list_aliases(model)] == ["production", "staging"]

    with pytest.raises(chainrule.AliasInUse):
        client.delete_alias(model, "production")
    assert client.clear_default_alias(model).default_alias is None
    client.delete_alias(model, "production")
    with pytest.raises(chainrule.NotFound) as missing:
        client.predict(model, rows, version="production")
    assert "version" in missing.value.field_errors()
    with pytest.raises(chainrule.ValidationError) as bad:
        client.set_alias(model, "Prod", 1)
    assert "alias" in bad.value.field_errors()
    with pytest.raises(chainrule.NotFound) as unknown:
        client.set_alias(model, "production", 9)
    assert "version" in unknown.value.field_errors()
