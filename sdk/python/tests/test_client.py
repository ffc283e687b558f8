"""The client itself: API keys, connection reuse, transport errors, problem mapping, service endpoints."""
from __future__ import annotations

import email.utils
import socket
import time

import pytest

import chainrule
from chainrule import errors
from conftest import define_iris


def needs_keys(api_key):
    if not api_key:
        pytest.skip("the service under test runs open (no CHAINRULE_API_KEY)")


def test_without_a_key_or_with_a_wrong_one_is_unauthorized(base_url, api_key) -> None:
    needs_keys(api_key)
    with chainrule.Client(base_url, api_key="") as anonymous:
        with pytest.raises(chainrule.Unauthorized) as raised:
            anonymous.list_models()
        assert raised.value.status == 401 and raised.value.headers["www-authenticate"] == 'Bearer realm="chainrule"'
        assert "Authorization: Bearer" in (raised.value.detail or "")
        assert anonymous.health() == "UP"  # the health probe needs no key
    with chainrule.Client(base_url, api_key="not-a-key-of-this-service") as wrong:
        with pytest.raises(chainrule.Unauthorized) as raised:
            wrong.get_model("anything")
        assert 'error="invalid_token"' in raised.value.headers["www-authenticate"]


def test_the_key_and_url_come_from_the_environment(base_url, api_key, monkeypatch) -> None:
    monkeypatch.setenv("CHAINRULE_URL", base_url)
    if api_key:
        monkeypatch.setenv("CHAINRULE_API_KEY", api_key)
    with chainrule.Client() as client:
        assert client.base_url == base_url.rstrip("/")
        model = define_iris(client, "iris-env")
        assert client.get_model(model.id).name == "iris-env"
    with pytest.raises(ValueError):
        chainrule.Client(base_url, api_key=" padded ")


def test_a_read_key_may_read_and_predict_but_not_write(base_url, read_key, client, trained_iris) -> None:
    if not read_key:
        pytest.skip("no CHAINRULE_READ_API_KEY for the service under test")
    with chainrule.Client(base_url, api_key=read_key) as reader:
        assert reader.get_model(trained_iris).id == trained_iris.id
        assert reader.predict(trained_iris, [[5.1, 3.5, 1.4, 0.2]]).labels == [0]
        with pytest.raises(chainrule.Forbidden) as raised:
            reader.create_model(4, [(3, "softmax")], "cross_entropy")
        assert raised.value.status == 403 and "ADMIN" in (raised.value.detail or "")
        with pytest.raises(chainrule.Forbidden):
            reader.delete_model(trained_iris)
    assert client.get_model(trained_iris).id == trained_iris.id


def test_requests_reuse_one_connection_until_closed(base_url, api_key) -> None:
    client = chainrule.Client(base_url, api_key=api_key)
    with client:
        client.list_models(size=1)
        first = client._http._local.conn
        port = first.sock.getsockname()[1]
        client.list_models(size=1)
        client.list_jobs(size=1)
        assert client._http._local.conn is first and first.sock.getsockname()[1] == port
    assert first.sock is None  # closed on leaving the block
    assert client.list_models(size=1).size == 1  # and usable again, on a new connection


def test_a_service_that_is_not_there_is_a_transport_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with chainrule.Client(f"http://127.0.0.1:{port}", timeout=2) as client:
        with pytest.raises(chainrule.TransportError):
            client.list_models()
    with pytest.raises(ValueError):
        chainrule.Client("ftp://example.invalid")


def test_framework_errors_are_typed_too(client) -> None:
    http = client._http
    with pytest.raises(chainrule.MalformedJson) as malformed:
        http.request("POST", "/models", body=b'{"inputWidth":', content_type="application/json")
    assert malformed.value.status == 400 and "not valid JSON" in (malformed.value.detail or "")
    with pytest.raises(chainrule.UnsupportedMediaType) as media:
        http.request("POST", "/models", body=b"inputWidth=4", content_type="text/plain")
    assert media.value.status == 415
    with pytest.raises(chainrule.MethodNotAllowed) as method:
        http.request("PUT", "/models")
    assert method.value.status == 405
    with pytest.raises(chainrule.NotFound):
        http.request("GET", "/no-such-route")


def test_problems_map_to_classes_by_kind_then_status() -> None:
    def make(status, kind=None, body=None):
        problem = chainrule.Problem(status=status, type=f"/problems/{kind}" if kind else "about:blank")
        return errors.error_for(problem)
    assert type(make(500, "internal-error")) is chainrule.InternalError
    assert type(make(503)) is chainrule.ServerError and isinstance(make(503), chainrule.ApiError)
    assert type(make(409, "something-new")) is chainrule.Conflict
    assert type(make(429, "queue-full")) is chainrule.QueueFull
    assert type(make(418)) is chainrule.ApiError
    proxy = chainrule.Problem.from_response(502, b"<html>Bad Gateway</html>")
    assert type(errors.error_for(proxy)) is chainrule.ServerError and proxy.detail == "<html>Bad Gateway</html>"


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert errors.parse_retry_after("5") == 5.0
    assert errors.parse_retry_after(None) is None and errors.parse_retry_after("soon") is None
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= errors.parse_retry_after(later) <= 31


def test_health_info_and_metrics(client, trained_iris) -> None:
    assert client.health() == "UP"
    assert isinstance(client.info(), dict)
    names = client.metric_names()
    assert "chainrule.jobs" in names and "chainrule.prediction.latency" in names
    succeeded = client.metric("chainrule.jobs", tags={"state": "SUCCEEDED"})
    assert succeeded["name"] == "chainrule.jobs" and succeeded["measurements"][0]["value"] >= 1
    assert "chainrule_jobs{" in client.prometheus()


def test_one_client_shared_by_threads(client, trained_iris, iris) -> None:
    from concurrent.futures import ThreadPoolExecutor
    _, features, _ = iris
    expected = client.predict(trained_iris, features[:10]).outputs
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: client.predict(trained_iris, features[:10]).outputs, range(40)))
    assert all(a == expected for a in answers)
