"""Hostile and malformed input: always a clear Python exception, never a crash, never a silently
ignored argument, and a refused change changes nothing."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from conftest import Acme

import rolecall
from rolecall import Directory, Permission

HUGE = "x" * 5_000_000


def unchanged(d: Directory, call: Callable[[], Any], exc: Any, match: Any = None) -> Any:
    before = d.revision
    with pytest.raises(exc, match=match) as e:
        call()
    assert d.revision == before
    return e.value


@pytest.mark.parametrize("bad", [None, 1.0, "1", b"1", [1], True, object()])
def test_wrong_id_types_are_type_errors(acme: Acme, bad: Any) -> None:
    d = acme.d
    olga = acme.user("Olga", "Operator")
    with pytest.raises(TypeError):
        d.check(bad, "campaigns.view")
    with pytest.raises(TypeError):
        d.user(bad)
    unchanged(d, lambda: d.assign_role(acme.root, bad, acme.roles["Viewer"]), TypeError)
    unchanged(d, lambda: d.assign_role(acme.root, olga, bad), TypeError)
    unchanged(d, lambda: d.set_active(bad, olga, False), TypeError)
    unchanged(d, lambda: d.set_user_roles(acme.root, olga, [bad]), TypeError)
    with pytest.raises(TypeError):
        d.users_with_permission(bad, "campaigns.view")


@pytest.mark.parametrize("bad", [-1, 2**64, -(2**70)])
def test_out_of_range_ids(acme: Acme, bad: int) -> None:
    with pytest.raises(OverflowError, match="ids are 0 to 2\\*\\*64 - 1"):
        acme.d.check(bad, "campaigns.view")
    unchanged(acme.d, lambda: acme.d.delete_user(acme.root, bad), OverflowError)


def test_unknown_ids_are_not_found(acme: Acme) -> None:
    d = acme.d
    ghost = 2**64 - 1
    assert d.check(ghost, "campaigns.view") is False
    assert d.check_scoped(acme.root, "campaigns.view", ghost) is False
    for call in [
        lambda: d.user(ghost),
        lambda: d.role(ghost),
        lambda: d.group(ghost),
        lambda: d.scope(ghost),
        lambda: d.agreement(ghost),
        lambda: d.tenant(ghost),
        lambda: d.effective_permissions(ghost),
        lambda: d.allowed_scopes(ghost, "campaigns.view"),
        lambda: d.explain(ghost, "campaigns.view"),
        lambda: d.group_members(ghost),
        lambda: d.roles(ghost),
        lambda: d.search_users(ghost),
        lambda: d.pbx_subscriber(ghost, acme.root),
    ]:
        e = unchanged(d, call, rolecall.NotFoundError)
        assert isinstance(e, LookupError) and 200 <= e.code < 300
    e = unchanged(d, lambda: d.assign_role(acme.root, ghost, acme.roles["Viewer"]),
                  rolecall.NotFoundError)
    assert (e.code, e.kind) == (201, "unknown_user")
    e = unchanged(d, lambda: d.create_user(ghost, first_name="A", last_name="B", email="a@b.co"),
                  rolecall.NotFoundError)
    assert e.kind == "unknown_user"
    assert d.access_level(ghost, acme.root, "core") is rolecall.AccessLevel.NO_ACCESS


def test_other_tenants_objects(acme: Acme, other: Acme) -> None:
    d = acme.d
    olga = acme.user("Olga", "Operator")
    otto = other.user("Otto", "Viewer")
    foreign_role = other.roles["Admin"]
    foreign_scope = d.create_scope(other.root, "ivr", "Their menu")
    foreign_group = d.create_group(other.root, "Theirs", [other.roles["Viewer"]])
    for call in [
        lambda: d.assign_role(acme.root, otto, acme.roles["Viewer"]),
        lambda: d.assign_role(acme.root, olga, foreign_role),
        lambda: d.add_member(acme.root, foreign_group, olga),
        lambda: d.assign_scope(acme.root, olga, foreign_scope),
        lambda: d.delete_user(acme.root, otto),
        lambda: d.update_user(acme.root, otto, first_name="Hacked"),
        lambda: d.create_agreement(acme.root, "Steal", otto),
    ]:
        e = unchanged(d, call, rolecall.NotFoundError)
        assert e.kind in {"wrong_tenant", "unknown_user", "unknown_role", "unknown_group",
                          "unknown_scope"}, e.kind
        if e.kind == "wrong_tenant":
            assert isinstance(e, rolecall.WrongTenantError) and e.code == 210
    assert not d.check_scoped(acme.root, "campaigns.view", foreign_scope)
    assert otto not in d.users_with_permission(acme.tenant, "campaigns.view")
    assert d.user(otto).first_name == "Otto"


@pytest.mark.parametrize("bad", ["campaigns.fly", "CAMPAIGNS_VIEW", "", " campaigns.view",
                                 "campaigns.view|scripts.view", "x" * 100_000, "campaigns\0view"])
def test_unknown_permission_names(acme: Acme, bad: str) -> None:
    d = acme.d
    for call in [
        lambda: d.check(acme.root, bad),
        lambda: d.explain(acme.root, bad),
        lambda: d.users_with_permission(acme.tenant, bad),
        lambda: d.check_many([acme.root], [bad]),
        lambda: d.create_role(acme.root, name="Typo", permissions=[bad]),
        lambda: Permission(bad),
    ]:
        e = unchanged(d, call, rolecall.UnknownPermissionError)
        assert isinstance(e, ValueError) and e.code == 103
        assert len(str(e)) < 200  # huge input is truncated in messages


def test_bad_permission_values(acme: Acme) -> None:
    d = acme.d
    e = unchanged(d, lambda: d.check(acme.root, 1 << 100), rolecall.UnknownPermissionError)
    assert "outside the catalogue" in str(e)
    unchanged(d, lambda: d.check(acme.root, -1), OverflowError)
    unchanged(d, lambda: d.check(acme.root, 1 << 200), OverflowError)
    for bad in [None, 1.5, True, ["campaigns.view"], object()]:
        unchanged(d, lambda: d.check(acme.root, bad), TypeError)
    unchanged(d, lambda: d.create_role(acme.root, name="R", permissions=None), TypeError)
    unchanged(d, lambda: d.create_role(acme.root, name="R", permissions=[None]), TypeError)
    unchanged(d, lambda: d.create_role(acme.root, name="R", permissions=5.0), TypeError)


@pytest.mark.parametrize(
    ("field", "value", "kind"),
    [
        ("first_name", "An\0n", "invalid_name"),
        ("first_name", "", "invalid_name"),
        ("first_name", HUGE, "invalid_name"),
        ("last_name", "Li\nne", "invalid_name"),
        ("email", "a\0@b.co", "invalid_email"),
        ("email", HUGE + "@b.co", "invalid_email"),
        ("phone", "555\0" + "0100", "invalid_phone"),
        ("phone", HUGE, "invalid_phone"),
    ],
)
def test_bad_strings_are_invalid_input(acme: Acme, field: str, value: str, kind: str) -> None:
    fields = {"first_name": "Ann", "last_name": "Lee", "email": "ann@acme.test"}
    fields[field] = value
    d = acme.d
    e = unchanged(d, lambda: d.create_user(acme.root, **fields), rolecall.InvalidInputError)
    assert e.kind == kind and isinstance(e, ValueError) and len(str(e)) < 300
    olga = acme.user("Olga")
    e = unchanged(d, lambda: d.update_user(acme.root, olga, **{field: value}),
                  rolecall.InvalidInputError)
    assert e.kind == kind


def test_bad_strings_elsewhere(acme: Acme) -> None:
    d = acme.d
    olga = acme.user("Olga")
    for call in [
        lambda: d.create_group(acme.root, "G\0"),
        lambda: d.create_group(acme.root, HUGE),
        lambda: d.create_role(acme.root, name="\0"),
        lambda: d.create_scope(acme.root, "ivr", HUGE),
        lambda: d.create_tenant("\0", rolecall.NewUser("A", "B", "a@b.co")),
        lambda: d.create_agreement(acme.root, "", olga),
    ]:
        assert unchanged(d, call, rolecall.InvalidInputError).code // 100 == 1
    # Lookups by huge or NUL-bearing text find nothing, quickly and cleanly.
    with pytest.raises(rolecall.NotFoundError):
        d.user_by_email(acme.tenant, HUGE)
    with pytest.raises(rolecall.NotFoundError):
        d.role_by_name(acme.tenant, "Viewer\0")
    assert d.search_users(acme.tenant, HUGE).total == 0
    assert d.search_users(acme.tenant, "\0").total == 0
    assert not d.may_listen_recordings(1, olga, HUGE)
    # Lone surrogates cannot be UTF-8: Python's own UnicodeEncodeError (a ValueError).
    with pytest.raises(UnicodeEncodeError):
        d.create_group(acme.root, "bad \ud800")


def test_none_where_a_value_is_needed(acme: Acme) -> None:
    d = acme.d
    olga = acme.user("Olga")
    for call in [
        lambda: d.create_user(acme.root, first_name=None, last_name="B", email="a@b.co"),
        lambda: d.create_user(acme.root, first_name="A", last_name="B", email=None),
        lambda: d.create_user(acme.root, first_name="A", last_name="B", email="a@b.co", roles=None),
        lambda: d.create_user(acme.root, first_name="A", last_name="B", email="a@b.co", active=None),
        lambda: d.set_active(acme.root, olga, None),
        lambda: d.set_active(acme.root, olga, 1),
        lambda: d.create_group(acme.root, None),
        lambda: d.create_scope(acme.root, None, "S"),
        lambda: d.set_access_level(acme.root, 1, olga, None, "user"),
        lambda: d.create_tenant("T", None),
        lambda: d.search_users(acme.tenant, active_only=None),
        lambda: d.set_user_scopes(acme.root, olga, None),
    ]:
        unchanged(d, call, TypeError)
    # Missing required keyword arguments, unknown keyword arguments: TypeError, not ignored.
    unchanged(d, lambda: d.create_user(acme.root, first_name="A", last_name="B"), TypeError)
    unchanged(d, lambda: d.create_user(acme.root, first_name="A", last_name="B", email="a@b.co",
                                       nickname="secret"), TypeError)
    unchanged(d, lambda: d.update_user(acme.root, olga, nickname="O"), TypeError)


def test_bad_enum_names(acme: Acme) -> None:
    d = acme.d
    olga = acme.user("Olga")
    ag = d.create_agreement(acme.root, "A", olga)
    cases = [
        (lambda: d.set_access_level(olga, ag, acme.root, "crm", "user"), "unknown_product"),
        (lambda: d.set_access_level(olga, ag, acme.root, "CORE", "user"), "unknown_product"),
        (lambda: d.set_access_level(olga, ag, acme.root, "core", "Administrator"),
         "unknown_access_level"),
        (lambda: d.create_scope(acme.root, "Queue", "Q"), "invalid_argument"),
        (lambda: d.create_scope(acme.root, "x" * 25, "Q"), "invalid_argument"),
        (lambda: d.allowed_scopes(olga, "users.view", "9lives"), "invalid_argument"),
        (lambda: d.install_preset(acme.root, "Dashboard"), "unknown_preset"),
        (lambda: d.create_tenant("T", rolecall.NewUser("A", "B", "a@t.co"), presets=["crm"]),
         "unknown_preset"),
        (lambda: d.access_level(ag, olga, "x" * 100_000), "unknown_product"),
    ]
    for call, kind in cases:
        e = unchanged(d, call, rolecall.InvalidInputError)
        assert e.kind == kind and len(str(e)) < 300
    unchanged(d, lambda: d.create_tenant("T", rolecall.NewUser("A", "B", "a@t.co"),
                                         presets="managers"), TypeError)


def test_bad_paging(acme: Acme) -> None:
    d = acme.d
    for limit in (0, 1001):
        e = unchanged(d, lambda: d.search_users(acme.tenant, limit=limit), rolecall.InvalidInputError)
        assert e.kind == "invalid_argument"
    with pytest.raises(OverflowError):
        d.search_users(acme.tenant, offset=-1)
    with pytest.raises(TypeError):
        d.search_users(acme.tenant, limit="10")
    assert d.search_users(acme.tenant, offset=10**12).total == 1


def test_int_permissions_answer_as_the_members(acme: Acme) -> None:
    """Plain ints are recognised by identity once seen (the first few hundred objects are
    kept), else decoded: either way, every int answers as its `Permission` member does, and a
    bad int stays refused however often it is passed."""
    d = acme.d
    catalogue = [Permission.from_name(n) for n in rolecall.permission_names()]
    half = Permission(0)
    for p in catalogue[::2] + [Permission.AGREEMENTS_MANAGE]:
        half |= p
    role = d.create_role(acme.root, name="Half", permissions=half)
    users = [acme.root, acme.user("Hal", "Operator"), acme.user("Halle")]
    d.assign_role(acme.root, users[2], role)
    want = {(u, p): d.check(u, p) for u in users for p in catalogue}
    assert any(want.values()) and not all(want.values())
    assert want[(users[2], Permission.AGREEMENTS_MANAGE)]
    constants = [int(p) for p in catalogue]
    # Constants: the same objects call after call; then far more fresh objects than are kept.
    for _ in range(3):
        for u in users:
            assert [d.check(u, i) for i in constants] == [want[(u, p)] for p in catalogue]
    for k in range(2_000):
        u, p = users[k % len(users)], catalogue[k % len(catalogue)]
        assert d.check(u, int(p) + (k - k)) == want[(u, p)]
        assert d.snapshot().check(u, int(str(int(p)))) == want[(u, p)]
    big = 1 << 100
    for _ in range(3):
        unchanged(d, lambda: d.check(acme.root, big), rolecall.UnknownPermissionError)
        unchanged(d, lambda: d.check(acme.root, -1), OverflowError)
