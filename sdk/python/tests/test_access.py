"""What a key may do (GET /access): each key's role and name, what the service then allows, and 401 without a key."""
from __future__ import annotations

import hashlib
from typing import Optional

import pytest

import chainrule


def default_name(role: str, key: str) -> str:
    """A key's name when the configuration gives none: its role in lower case and 8 hex digits of its SHA-256."""
    return f"{role}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:8]}"


def test_the_clients_key_may_do_everything(client: chainrule.Client, api_key: Optional[str]) -> None:
    access = client.access()
    assert isinstance(access, chainrule.KeyAccess)
    assert access.access == "ADMIN" and access.is_admin
    # with keys, the admin key's default name; without, no name (every caller may do everything)
    assert access.key_name == (default_name("admin", api_key) if api_key else None)
    model = client.create_model(4, [(3, "softmax")], "cross_entropy", name="access-admin")
    client.delete_model(model)


def test_a_read_key_learns_it_may_only_read_and_the_service_agrees(base_url: str, read_key: Optional[str]) -> None:
    if not read_key:
        pytest.skip("no CHAINRULE_READ_API_KEY for the service under test")
    with chainrule.Client(base_url, api_key=read_key) as reader:
        access = reader.access()
        assert (access.access, access.key_name, access.is_admin) == ("READ", default_name("read", read_key), False)
        reader.list_models(size=1)
        with pytest.raises(chainrule.Forbidden):
            reader.create_model(4, [(3, "softmax")], "cross_entropy", name="access-read")


def test_no_key_or_a_wrong_one_is_unauthorized(base_url: str, api_key: Optional[str]) -> None:
    if not api_key:
        pytest.skip("the service under test runs open (no CHAINRULE_API_KEY)")
    for key in ("", api_key + "x"):
        with chainrule.Client(base_url, api_key=key) as other:
            with pytest.raises(chainrule.Unauthorized) as raised:
                other.access()
            assert raised.value.status == 401 and raised.value.problem.type == "/problems/unauthorized"
