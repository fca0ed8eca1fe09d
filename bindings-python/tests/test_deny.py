"""Explicit deny (issue 16 part 3) through the Python API: ``Role.denied``,
``create_role(denied=...)``, ``update_role(denied=...)`` and ``Explanation.denied_by``,
converted and delegated to the core (which holds every rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pytest

from rolecall import (
    Directory,
    EscalationError,
    InvalidInputError,
    NewUser,
    Permission,
    ScopeKind,
)

CONTROL = Permission.CAMPAIGNS_CONTROL
VIEW = Permission.CAMPAIGNS_VIEW


@dataclass
class Acme:
    d: Directory
    root: int
    worker: int
    no_control: int


def unchanged(d: Directory, call: Callable[[], Any], exc: Any) -> Any:
    """``call`` raises ``exc`` and changes nothing (the revision stays)."""
    before = d.revision
    with pytest.raises(exc) as e:
        call()
    assert d.revision == before
    return e.value


@pytest.fixture
def acme() -> Acme:
    d = Directory()
    root = d.create_tenant("Acme", NewUser("Ada", "Root", "root@acme.test")).superadmin
    worker = d.create_role(root, name="Worker", permissions=[VIEW, CONTROL, "reports.view"])
    no_control = d.create_role(root, name="No control", denied=["campaigns.control"])
    return Acme(d, root, worker, no_control)


def user(a: Acme, login: str, roles: Any = ()) -> int:
    return a.d.create_user(a.root, first_name=login.title(), last_name="Tester",
                           email=f"{login}@acme.test", roles=list(roles))


def test_role_denied_reads_back(acme: Acme) -> None:
    d = acme.d
    assert d.role(acme.no_control).denied == CONTROL
    assert d.role(acme.no_control).permissions == Permission(0)
    assert d.role(acme.worker).denied == Permission(0)
    for r in d.roles(d.role(acme.worker).tenant):
        if r.preset is not None:
            assert not r.denied


def test_a_deny_wins_directly_and_explain_names_the_denier(acme: Acme) -> None:
    d = acme.d
    bob = user(acme, "bob", [acme.worker, acme.no_control])
    assert not d.check(bob, CONTROL)
    assert d.check(bob, VIEW)
    assert d.effective_permissions(bob) == VIEW | Permission.REPORTS_VIEW
    e = d.explain(bob, CONTROL)
    assert not e.allowed
    assert [g.role for g in e.grants] == [acme.worker]
    assert [(g.role, g.role_name, g.grants, g.via_group) for g in e.denied_by] == [
        (acme.no_control, "No control", CONTROL, None)
    ]
    assert d.explain(bob, VIEW).denied_by == ()


def test_a_deny_wins_through_a_group_and_a_scope_grant(acme: Acme) -> None:
    d, root = acme.d, acme.root
    g = d.create_group(root, "Trainees", [acme.no_control])
    carol = user(acme, "carol", [acme.worker])
    d.add_member(root, g, carol)
    assert not d.check(carol, CONTROL)
    assert d.explain(carol, CONTROL).denied_by[0].via_group == g
    sales = d.create_scope(root, ScopeKind.TEAM, "Sales")
    support = d.create_scope(root, ScopeKind.TEAM, "Support")
    dave = user(acme, "dave")
    d.grant_role_in_scope(root, dave, acme.worker, sales)
    assert d.check_scoped(dave, CONTROL, sales)
    d.grant_role_in_scope(root, dave, acme.no_control, support)
    assert not d.check_scoped(dave, CONTROL, sales)  # denials are tenant-wide
    assert d.check_scoped(dave, VIEW, sales)


def test_allowing_and_denying_one_permission_is_refused(acme: Acme) -> None:
    d, root = acme.d, acme.root
    e = unchanged(d, lambda: d.create_role(root, name="Both", permissions=[CONTROL],
                                           denied=[CONTROL]), InvalidInputError)
    assert e.kind == "invalid_argument"
    unchanged(d, lambda: d.update_role(root, acme.worker, denied=[CONTROL]),
              InvalidInputError)


def test_giving_a_deny_needs_no_right_lifting_one_is_a_grant(acme: Acme) -> None:
    d, root = acme.d, acme.root
    admin = d.create_role(root, name="Role admin",
                          permissions=["roles.view", "roles.manage", "users.view",
                                       "users.manage"])
    adam = user(acme, "adam", [admin])
    bob = user(acme, "bob", [acme.worker])
    nb = d.create_role(adam, name="No billing", denied=["billing.view"])
    d.update_role(adam, nb, denied=["billing.view", CONTROL])
    d.assign_role(adam, bob, nb)
    assert not d.check(bob, CONTROL)
    e = unchanged(d, lambda: d.update_role(adam, nb, denied=["billing.view"]),
                  EscalationError)
    assert e.kind == "escalation"
    unchanged(d, lambda: d.revoke_role(adam, bob, nb), EscalationError)
    d.update_role(adam, nb, description="left alone")  # denied=None keeps the denials
    assert d.role(nb).denied == Permission.BILLING_VIEW | CONTROL
    d.update_role(root, nb, denied=[])
    assert d.check(bob, CONTROL)
