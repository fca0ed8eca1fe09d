"""The exception hierarchy: one base, one class per core category, a few finer classes; every
exception carries the core's stable code and kind."""

from __future__ import annotations

import pickle

import pytest
from conftest import Acme

import rolecall
from rolecall import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RolecallError,
    StorageError,
)
from rolecall import _errors, _rolecall
from rolecall._errors import _BY_CATEGORY, _BY_KIND, _from_core

CATEGORIES = {
    "invalid_input": (InvalidInputError, 1),
    "not_found": (NotFoundError, 2),
    "conflict": (ConflictError, 3),
    "permission_denied": (PermissionDeniedError, 4),
    "authentication": (AuthenticationError, 5),
    "storage": (StorageError, 9),
}


def test_hierarchy() -> None:
    for cls, _ in CATEGORIES.values():
        assert issubclass(cls, RolecallError) and cls.__module__ == "rolecall"
        assert not issubclass(cls, PermissionError)  # Python's PermissionError is an OSError
    assert issubclass(InvalidInputError, ValueError)
    assert issubclass(NotFoundError, LookupError)
    assert issubclass(rolecall.UnknownPermissionError, InvalidInputError)
    assert issubclass(rolecall.WrongTenantError, NotFoundError)
    assert issubclass(rolecall.EscalationError, PermissionDeniedError)
    assert issubclass(rolecall.AccountLockedError, AuthenticationError)
    assert issubclass(rolecall.ReadOnlyError, StorageError)
    assert issubclass(rolecall.BusyError, StorageError)
    assert not issubclass(RolecallError, (ValueError, LookupError))


def test_factory_maps_by_kind_then_category() -> None:
    for category, (cls, _) in CATEGORIES.items():
        e = _from_core("msg", 999, "some_new_kind", category)
        assert type(e) is cls and (e.code, e.kind, str(e)) == (999, "some_new_kind", "msg")
    assert type(_from_core("m", 401, "escalation", "permission_denied")) is rolecall.EscalationError
    assert type(_from_core("m", 210, "wrong_tenant", "not_found")) is rolecall.WrongTenantError
    assert type(_from_core("m", 905, "busy", "storage")) is rolecall.BusyError
    # A category the core adds later still raises the base class, never a bare Exception.
    assert type(_from_core("m", 777, "x", "")) is RolecallError


def test_the_classes_follow_the_cores_error_table() -> None:
    """Every error of the core's table (`rolecall::Error::CODES`) raises a class of its
    category, and every class stands for errors of the table."""
    table = _rolecall.error_codes()
    assert len(table) >= 40
    assert len({code for code, _, _ in table}) == len({kind for _, kind, _ in table}) == len(table)
    for code, kind, category in table:
        base, hundreds = CATEGORIES[category]
        assert code // 100 == hundreds, (code, kind, category)
        exc = _from_core("m", code, kind, category)
        assert isinstance(exc, base) and exc.category == category, (code, kind)
        assert (exc.code, exc.kind) == (code, kind)
    # And the other way: the finer classes name kinds of the table, in the right category...
    category_of = {kind: category for _, kind, category in table}
    for kind, cls in _BY_KIND.items():
        assert kind in category_of, f"{cls.__name__} stands for {kind!r}, not a core error"
        assert issubclass(cls, CATEGORIES[category_of[kind]][0]), (kind, cls)
    assert set(_BY_CATEGORY) == set(category_of.values()) == set(CATEGORIES)
    # ... and every exception class is the base, a category's class, or raised for some error
    # of the table.
    classes = {getattr(_errors, name) for name in _errors.__all__}
    raised = {type(_from_core("m", code, kind, category)) for code, kind, category in table}
    assert classes - raised - set(_BY_CATEGORY.values()) == {RolecallError}


def test_raised_errors_carry_code_kind_and_category(acme: Acme) -> None:
    d = acme.d
    olga = acme.user("Olga", "Operator")
    cases = [
        (lambda: d.create_user(acme.root, first_name="", last_name="B", email="b@acme.test"),
         InvalidInputError, 100, "invalid_name"),
        (lambda: d.user(9999), NotFoundError, 201, "unknown_user"),
        (lambda: d.create_user(acme.root, first_name="A", last_name="B", email="OLGA@acme.test"),
         ConflictError, 300, "duplicate_email"),
        (lambda: d.create_group(olga, "G"), PermissionDeniedError, 400, "permission_denied"),
        (lambda: d.create_role(olga, name="R", permissions="users.manage"),
         PermissionDeniedError, 400, "permission_denied"),
    ]
    for call, cls, code, kind in cases:
        with pytest.raises(cls) as e:
            call()
        err = e.value
        assert (err.code, err.kind, err.category) == (code, kind, cls.category)
        assert err.code // 100 == CATEGORIES[cls.category][1]
        assert err.message == str(err) and err.message
        assert repr(err) == f"{cls.__name__}({err.message!r}, code={code}, kind={kind!r})"
        again = pickle.loads(pickle.dumps(err))
        assert type(again) is cls and (again.code, again.kind, again.message) == (
            code,
            kind,
            err.message,
        )


def test_messages_are_the_cores(acme: Acme) -> None:
    olga = acme.user("Olga", "Operator")
    with pytest.raises(PermissionDeniedError, match="^permission denied: this requires users.manage$"):
        acme.d.delete_user(olga, acme.root)
