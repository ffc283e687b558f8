"""Models: define, show, list with paging, delete; and the errors of each."""
from __future__ import annotations

import uuid

import pytest

import chainrule
from conftest import define_iris


def test_create_model_returns_the_definition_with_its_parameter_count(client: chainrule.Client) -> None:
    model = client.create_model(4, [(8, "relu"), {"units": 3, "activation": "softmax"}], "cross_entropy",
                                name="iris-def", description="sepals and petals", initialiser="he", seed=7,
                                loss_epsilon=1e-6)
    assert model.name == "iris-def" and model.description == "sepals and petals"
    assert model.input_width == 4
    assert [(x.units, x.activation) for x in model.layers] == [(8, "relu"), (3, "softmax")]
    assert (model.loss, model.initialiser, model.seed, model.loss_epsilon) == ("cross_entropy", "he", 7, 1e-6)
    assert model.parameter_count == 4 * 8 + 8 + 8 * 3 + 3
    assert model.training_state == "UNTRAINED" and model.versions == [] and model.latest_version is None
    assert not model.trained
    assert model.created_at is not None and model.created_at.tzinfo is not None
    assert model.raw["id"] == model.id


def test_get_model_by_id_or_object(client: chainrule.Client) -> None:
    model = define_iris(client, "iris-get")
    assert client.get_model(model.id) == model
    assert client.get_model(model) == model


def test_list_models_pages_and_iterates_every_model(client: chainrule.Client) -> None:
    made = [define_iris(client, f"iris-page-{i}").id for i in range(3)]
    first = client.list_models(page=0, size=2)
    assert first.page == 0 and first.size == 2 and len(first) == 2
    assert first.total_items >= 3 and first.total_pages == (first.total_items + 1) // 2
    assert first.has_next
    last = client.list_models(page=first.total_pages - 1, size=2)
    assert not last.has_next
    every = [m.id for m in client.iter_models(size=2)]
    assert len(every) == first.total_items == len(set(every))
    assert every[-3:] == made  # oldest first: the three just made come last
    assert [m.id for m in first] == every[:2]


def test_list_models_out_of_range_is_a_validation_error_naming_both(client: chainrule.Client) -> None:
    with pytest.raises(chainrule.ValidationError) as raised:
        client.list_models(page=-1, size=500)
    error = raised.value
    assert error.status == 400 and error.type == "/problems/invalid-request"
    assert set(error.field_errors()) == {"page", "size"}
    assert "between 1 and 100" in error.field_errors()["size"]


def test_invalid_definition_reports_every_field(client: chainrule.Client) -> None:
    with pytest.raises(chainrule.ValidationError) as raised:
        client.create_model(0, [(8, "swish")], "hinge")
    problem = raised.value.problem
    assert problem.status == 400 and problem.title == "Invalid request" and problem.instance == "/models"
    fields = {e.field: e.reason for e in problem.errors}
    assert set(fields) == {"inputWidth", "layers[0].activation", "loss"}
    assert "swish" in fields["layers[0].activation"]
    assert problem.detail == "3 fields are invalid"
    assert isinstance(raised.value, chainrule.BadRequest) and isinstance(raised.value, chainrule.ApiError)


def test_delete_model_then_it_is_not_found(client: chainrule.Client) -> None:
    model = define_iris(client, "iris-delete")
    client.delete_model(model)
    with pytest.raises(chainrule.NotFound) as raised:
        client.get_model(model.id)
    assert raised.value.status == 404 and model.id in (raised.value.detail or "")
    with pytest.raises(chainrule.NotFound):
        client.delete_model(model.id)


def test_unknown_model_is_not_found(client: chainrule.Client) -> None:
    with pytest.raises(chainrule.NotFound) as raised:
        client.get_model(str(uuid.uuid4()))
    assert raised.value.type == "/problems/not-found"
    assert raised.value.problem.kind == "not-found"


def test_a_layer_that_is_not_a_pair_is_refused_before_sending(client: chainrule.Client) -> None:
    with pytest.raises(TypeError):
        client.create_model(4, [8], "cross_entropy")
