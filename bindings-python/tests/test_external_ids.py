"""External ids (issue 17) through the Python API: ``NewUser(external_id=...)``,
``create_user(external_id=...)``, ``User.external_id``, ``user_by_external_id`` and
``update_user(external_id=...)``, converted and delegated to the core (which holds the rules).
"""

from __future__ import annotations

import pytest

from rolecall import (
    ConflictError,
    Directory,
    InvalidInputError,
    NewUser,
    NotFoundError,
    PermissionDeniedError,
)


def acme() -> tuple[Directory, int, int]:
    d = Directory()
    t = d.create_tenant("Acme", NewUser("Ada", "Root", "ada@acme.test"), presets=["managers"])
    return d, t.tenant, t.superadmin


def test_create_look_up_change_and_clear() -> None:
    d, tenant, root = acme()
    bob = d.create_user(
        root, first_name="Bob", last_name="Lee", email="bob@acme.test", external_id="okta|00u1"
    )
    assert d.user(bob).external_id == "okta|00u1"
    assert d.user_by_external_id(tenant, "okta|00u1").id == bob
    with pytest.raises(NotFoundError):
        d.user_by_external_id(tenant, "OKTA|00U1")
    # In a batch, as a NewUser and as a dict.
    ids = d.create_users(
        root,
        [
            NewUser("Ann", "Doe", "ann@acme.test", external_id="E-1"),
            {"first_name": "Cid", "last_name": "Doe", "email": "cid@acme.test", "external_id": "E-2"},
        ],
    )
    assert [d.user(i).external_id for i in ids] == ["E-1", "E-2"]
    assert NewUser("A", "B", "a@b.test", external_id="X").external_id == "X"
    # Left out: unchanged; a value: changed; None: removed.
    d.update_user(root, bob, first_name="Robert")
    assert d.user(bob).external_id == "okta|00u1"
    d.update_user(root, bob, external_id="okta|00u2")
    assert d.user_by_external_id(tenant, "okta|00u2").id == bob
    d.update_user(root, bob, external_id=None)
    assert d.user(bob).external_id is None


def test_refusals_change_nothing() -> None:
    d, _, root = acme()
    d.create_user(root, first_name="Bob", last_name="Lee", email="bob@acme.test", external_id="E-1")
    rev = d.revision
    with pytest.raises(ConflictError):
        d.create_user(root, first_name="Eve", last_name="Doe", email="eve@acme.test", external_id="E-1")
    with pytest.raises(InvalidInputError):
        d.create_user(root, first_name="Eve", last_name="Doe", email="eve@acme.test", external_id=" E")
    with pytest.raises(TypeError):
        d.create_user(root, first_name="Eve", last_name="Doe", email="eve@acme.test", external_id=7)  # type: ignore[arg-type]
    assert d.revision == rev
    # A user without users.manage may not set its own.
    viewer = d.create_user(
        root, first_name="Vic", last_name="View", email="vic@acme.test", roles=[d.role_by_name(d.tenants()[0].id, "Viewer").id]
    )
    with pytest.raises(PermissionDeniedError):
        d.update_user(viewer, viewer, external_id="mine")
