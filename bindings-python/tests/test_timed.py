"""Time-bound grants, eligible grants and their activation, break-glass accounts (issue 16) from
Python: the scenarios of core/tests/timed_grants.rs and core/tests/activation.rs, plus the
binding's own duties (conversions, wrong types, typed errors). Time moves with a ManualClock
only: no test sleeps."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List

import pytest

import rolecall
from rolecall import (
    AccessLevel,
    Assignment,
    Directory,
    Eligibility,
    InvalidInputError,
    ManualClock,
    NewUser,
    Notification,
    PermissionDeniedError,
    Preset,
    Product,
    ScopeKind,
    TimedGrant,
    Window,
)

T0 = 1_800_000_000_000
HOUR = 3_600_000
PW = "correct horse battery staple"


@dataclass
class Env:
    d: Directory
    clock: ManualClock
    tenant: int
    root: int

    def role(self, name: str) -> int:
        return self.d.role_by_name(self.tenant, name).id

    def user(self, login: str, *roles: str) -> int:
        return self.d.create_user(
            self.root,
            first_name=login,
            last_name="Tester",
            email=f"{login}@acme.test",
            roles=[self.role(r) for r in roles],
        )

    def kinds(self) -> List[str]:
        return [n.kind for n in self.d.drain_notifications()]


@pytest.fixture
def e() -> Env:
    clock = ManualClock(T0)
    d = Directory(clock=clock)
    d.set_hash_params(m_kib=8, t=1, p=1)  # tests only
    t = d.create_tenant(
        "Acme", NewUser("Ada", "Root", "root@acme.test"), presets=[Preset.MANAGERS, "dashboard"]
    )
    return Env(d, clock, t.tenant, t.superadmin)


# ---------------- Window, TimedGrant, Assignment ----------------


def test_window_values() -> None:
    w = Window.between(1_000, 2_000)
    assert (w.from_ms, w.until_ms) == (1_000, 2_000)
    assert not w.contains(999) and w.contains(1_000) and not w.contains(2_000)
    assert Window.ALWAYS == Window() == Window.always()
    assert Window.ALWAYS.is_always and not w.is_always
    assert Window.ALWAYS.contains(-(2**63))
    assert Window.until(5) == Window(until_ms=5) and Window.until(5).from_ms is None
    assert Window(from_ms=7).until_ms is None and Window(from_ms=7).contains(2**63 - 1)
    assert repr(w) == "Window(from_ms=1000, until_ms=2000)"
    assert len({Window.until(5), Window(None, 5), Window.ALWAYS}) == 2
    assert sorted([Window.until(9), Window.until(5)])[0] == Window.until(5)
    with pytest.raises(AttributeError):
        w.from_ms = 3  # type: ignore[misc]


def test_window_and_grant_wrong_types_raise_type_error() -> None:
    for bad in ("1000", 1.5, True, None, [1]):
        with pytest.raises(TypeError):
            Window.until(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Window(from_ms="now")  # type: ignore[arg-type]
    with pytest.raises(OverflowError):
        Window.until(2**63)
    with pytest.raises(TypeError):
        TimedGrant.role("Admin")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        TimedGrant.pbx(1, 101)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        TimedGrant()
    with pytest.raises(TypeError):
        Assignment()
    # An unknown product or level is a typed error of the core.
    with pytest.raises(InvalidInputError):
        TimedGrant.level(1, "nope", "user")
    with pytest.raises(InvalidInputError):
        TimedGrant.level(1, "core", "nope")


def test_timed_grant_kinds_and_assignments() -> None:
    grants = [
        (TimedGrant.role(3), "role", dict(role=3)),
        (TimedGrant.scope_role(3, 4), "scope_role", dict(role=3, scope=4)),
        (TimedGrant.group(5), "group", dict(group=5)),
        (TimedGrant.scope(6), "scope", dict(scope=6)),
        (TimedGrant.level(7, Product.CORE, "user"), "level", dict(agreement=7)),
        (TimedGrant.pbx(8, "kim-101"), "pbx", dict(agreement=8)),
    ]
    for g, kind, ids in grants:
        assert g.kind == kind and g.assignment.kind == kind
        a = g.assignment
        for field in ("role", "scope", "group", "agreement"):
            assert getattr(a, field) == ids.get(field), (kind, field)
        assert g == g and hash(g) == hash(g)
        assert repr(g).startswith(f"TimedGrant.{kind}(")
    assert TimedGrant.level(7, "core", "user").access_level == AccessLevel.USER
    assert TimedGrant.level(7, "core", "user").assignment.product == Product.CORE
    assert TimedGrant.pbx(8, "kim-101").subscriber == "kim-101"
    assert TimedGrant.role(3).subscriber is None and TimedGrant.role(3).access_level is None
    assert TimedGrant.role(3) != TimedGrant.group(3)


# ---------------- time-bound grants ----------------


def test_a_role_granted_until_an_instant_stops_counting_at_it(e: Env) -> None:
    admin = e.role("managers/Admin")
    tom = e.user("tom")
    stamp = e.d.security_stamp(tom)
    assert e.d.snapshot().valid_until is None
    e.d.grant_for(e.root, tom, TimedGrant.role(admin), Window.until(T0 + HOUR))
    assert e.d.check(tom, "users.manage")
    u = e.d.user(tom)
    assert u.windows == [(TimedGrant.role(admin).assignment, Window.until(T0 + HOUR))]
    assert admin in u.roles
    snap = e.d.snapshot()
    assert (snap.computed_at, snap.valid_until) == (T0, T0 + HOUR)

    e.clock.advance(HOUR - 1)
    assert e.d.check(tom, "users.manage")
    e.clock.advance(1)
    assert not e.d.check(tom, "users.manage")
    assert snap.check(tom, "users.manage"), "a kept snapshot answers as of computed_at"
    assert e.d.snapshot().valid_until is None
    u = e.d.user(tom)
    assert u.windows == [] and admin not in u.roles
    assert not e.d.session_valid(tom, stamp), "its end ends the user's sessions"
    (n,) = [n for n in e.d.drain_notifications() if n.kind == "grant_expired"]
    assert (n.user, n.email) == (tom, "tom@acme.test")
    assert isinstance(n.assignment, Assignment)
    assert n.assignment.kind == "role" and n.assignment.role == admin
    assert n.role is None and n.justification is None and n.action is None
    assert "grant_expired" in repr(n)
    assert e.d.audit_events(tenant=e.tenant, action="expired").total == 1


def test_a_grant_starting_later_counts_from_its_start(e: Env) -> None:
    admin = e.role("managers/Admin")
    tom = e.user("tom")
    w = Window.between(T0 + HOUR, T0 + 2 * HOUR)
    e.d.grant_for(e.root, tom, TimedGrant.role(admin), w)
    assert not e.d.check(tom, "users.manage")
    assert e.d.snapshot().valid_until == T0 + HOUR
    e.clock.set(T0 + HOUR)
    assert e.d.check(tom, "users.manage")
    assert e.d.snapshot().valid_until == T0 + 2 * HOUR
    e.clock.set(T0 + 2 * HOUR)
    assert not e.d.check(tom, "users.manage")


def test_every_kind_of_assignment_can_be_time_bound(e: Env) -> None:
    ops = e.role("Operator")
    sup = e.role("Manager")
    group = e.d.create_group(e.root, "Night shift", [ops])
    queue = e.d.create_scope(e.root, ScopeKind.QUEUE, "Sales")
    cg = e.d.create_scope(e.root, "call_group", "Support")
    kim = e.user("kim", "dashboard/Supervisor")
    owner = e.user("owner")
    ag = e.d.create_agreement(e.root, "Main", owner)
    grants = [
        TimedGrant.group(group),
        TimedGrant.scope_role(sup, queue),
        TimedGrant.scope(cg),
        TimedGrant.level(ag, Product.CORE, AccessLevel.USER),
        TimedGrant.pbx(ag, "kim-101"),
    ]
    for g in grants:
        e.d.grant_for(e.root, kim, g, Window.until(T0 + HOUR))
    assert e.d.check(kim, e.d.role(ops).permissions)
    assert e.d.check_scoped(kim, e.d.role(sup).permissions, queue)
    assert e.d.access_level(ag, kim, "core") == AccessLevel.USER
    assert e.d.pbx_subscriber(ag, kim) == "kim-101"
    windows = e.d.user(kim).windows
    assert sorted(a.kind for a, _ in windows) == ["group", "level", "pbx", "scope", "scope_role"]
    assert all(w == Window.until(T0 + HOUR) for _, w in windows)
    (level,) = [a for a, _ in windows if a.kind == "level"]
    assert (level.agreement, level.product) == (ag, Product.CORE)

    e.clock.set(T0 + HOUR)
    assert not e.d.check(kim, e.d.role(ops).permissions)
    assert not e.d.check_scoped(kim, e.d.role(sup).permissions, queue)
    assert e.d.access_level(ag, kim, "core") == AccessLevel.NO_ACCESS
    assert e.d.pbx_subscriber(ag, kim) is None
    assert e.d.group_members(group) == []
    u = e.d.user(kim)
    assert u.windows == [] and not u.grants and not u.scopes and len(u.roles) == 1
    assert e.kinds().count("grant_expired") == 5


def test_extending_is_a_grant_and_is_refused_without_the_rights(e: Env) -> None:
    admin = e.role("managers/Admin")
    boss = e.user("boss", "managers/Admin")
    ann = e.user("ann")
    e.d.grant_for(e.root, ann, TimedGrant.role(admin), Window.until(T0 + HOUR))
    rev = e.d.revision
    with pytest.raises(PermissionDeniedError) as err:
        e.d.grant_for(boss, ann, TimedGrant.role(admin), Window.until(T0 + 2 * HOUR))
    assert err.value.kind == "administrator_protected"
    assert e.d.revision == rev
    assert e.d.user(ann).windows[0][1] == Window.until(T0 + HOUR), "unchanged"
    # The superadministrator extends it; Window.ALWAYS makes it permanent.
    e.d.grant_for(e.root, ann, TimedGrant.role(admin), Window.until(T0 + 2 * HOUR))
    assert e.d.user(ann).windows[0][1] == Window.until(T0 + 2 * HOUR)
    e.d.grant_for(e.root, ann, TimedGrant.role(admin), Window.ALWAYS)
    assert e.d.user(ann).windows == []
    e.clock.advance(3 * HOUR)
    assert e.d.check(ann, "users.manage")


def test_bad_windows_are_typed_errors_and_change_nothing(e: Env) -> None:
    admin = e.role("managers/Admin")
    tom = e.user("tom")
    owner = e.user("owner")
    ag = e.d.create_agreement(e.root, "Main", owner)
    rev = e.d.revision
    bad = [
        (TimedGrant.role(admin), Window.between(T0 + HOUR, T0 + HOUR), "invalid_window"),
        (TimedGrant.role(admin), Window.until(T0), "invalid_window"),
        (TimedGrant.level(ag, "core", "no_access"), Window.until(T0 + HOUR), "invalid_argument"),
    ]
    for g, w, kind in bad:
        with pytest.raises(InvalidInputError) as err:
            e.d.grant_for(e.root, tom, g, w)
        assert err.value.kind == kind
        assert isinstance(err.value, ValueError)
    with pytest.raises(InvalidInputError) as err:
        e.d.grant_for(e.root, tom, TimedGrant.role(admin), Window.until(T0 - 1))
    assert err.value.code == 117
    with pytest.raises(rolecall.NotFoundError):
        e.d.grant_for(e.root, tom, TimedGrant.role(999_999), Window.until(T0 + HOUR))
    assert e.d.revision == rev


def test_grant_for_wrong_types_raise_type_error(e: Env) -> None:
    admin = e.role("managers/Admin")
    tom = e.user("tom")
    w = Window.until(T0 + HOUR)
    with pytest.raises(TypeError):
        e.d.grant_for(e.root, tom, admin, w)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        e.d.grant_for(e.root, tom, TimedGrant.role(admin), T0 + HOUR)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        e.d.grant_for(e.root, tom, TimedGrant.role(admin), (None, T0 + HOUR))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        e.d.grant_for(e.root, "tom", TimedGrant.role(admin), w)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        e.d.grant_for(e.root, tom, TimedGrant.role(admin))  # type: ignore[call-arg]


def test_tick_delivers_expiry_to_the_callback(e: Env) -> None:
    got: List[Notification] = []
    e.d.on_notification(got.append)
    tom = e.user("tom")
    e.d.grant_for(e.root, tom, TimedGrant.role(e.role("Operator")), Window.until(T0 + HOUR))
    e.clock.advance(HOUR)
    e.d.tick()
    assert [n.kind for n in got] == ["grant_expired"]
    e.d.tick()  # nothing due: nothing more
    assert len(got) == 1


def test_time_bound_grants_survive_reopening_a_file(tmp_path: Path) -> None:
    path = str(tmp_path / "timed.db")
    clock = ManualClock(T0)
    d = Directory(path, clock=clock)
    t = d.create_tenant("Acme", NewUser("Ada", "Root", "root@acme.test"), presets=["managers"])
    ops = d.role_by_name(t.tenant, "Operator").id
    tom = d.create_user(t.superadmin, first_name="Tom", last_name="T", email="tom@acme.test")
    d.grant_for(t.superadmin, tom, TimedGrant.role(ops), Window.until(T0 + HOUR))
    d.make_eligible(t.superadmin, tom, ops, HOUR)
    d.close()
    d = Directory(path, clock=clock)
    u = d.user(tom)
    assert u.windows == [(TimedGrant.role(ops).assignment, Window.until(T0 + HOUR))]
    assert [(x.role, x.scope, x.max_ms) for x in u.eligible] == [(ops, None, HOUR)]
    clock.advance(HOUR)
    assert not d.check(tom, d.role(ops).permissions)
    d.close()


# ---------------- eligibility and activation ----------------


def test_eligible_activate_expire(e: Env) -> None:
    manager = e.role("Manager")
    tom = e.user("tom")
    e.d.make_eligible(e.root, tom, manager, 4 * HOUR)
    (el,) = e.d.user(tom).eligible
    assert isinstance(el, Eligibility)
    assert (el.role, el.scope, el.max_ms) == (manager, None, 4 * HOUR)
    assert repr(el) == f"Eligibility(role={manager}, scope=None, max_ms={4 * HOUR})"
    assert not e.d.check(tom, "campaigns.manage")
    e.d.drain_notifications()

    w = e.d.activate(tom, manager, HOUR, "INC-4711: queue outage")
    assert w == Window.until(T0 + HOUR)
    assert e.d.check(tom, "campaigns.manage")
    (n,) = e.d.drain_notifications()
    assert n.kind == "activated"
    assert (n.user, n.role, n.scope, n.until) == (tom, manager, None, T0 + HOUR)
    assert n.justification == "INC-4711: queue outage" and n.assignment is None
    assert "justification='INC-4711: queue outage'" in repr(n)
    assert e.d.audit_events(tenant=e.tenant, action="activate").total == 1

    e.clock.advance(HOUR)
    assert not e.d.check(tom, "campaigns.manage")
    assert e.d.user(tom).eligible == [el], "the eligibility stays"
    assert e.kinds() == ["grant_expired"]


def test_activation_is_bounded_justified_and_only_for_the_eligible(e: Env) -> None:
    manager = e.role("Manager")
    tom = e.user("tom")
    with pytest.raises(PermissionDeniedError) as err:
        e.d.activate(tom, manager, HOUR, "why not")
    assert (err.value.kind, err.value.code) == ("not_eligible", 415)
    assert (err.value.user, err.value.role, err.value.scope) == (tom, manager, None)  # type: ignore[attr-defined]
    e.d.make_eligible(e.root, tom, manager, HOUR)
    rev = e.d.revision
    for duration, why in ((HOUR + 1, "too long"), (0, "zero"), (-5, "negative"), (HOUR, "")):
        with pytest.raises(InvalidInputError):
            e.d.activate(tom, manager, duration, why)
    with pytest.raises(InvalidInputError):
        e.d.activate(tom, manager, HOUR, "two\nlines")
    assert e.d.revision == rev
    for bad_max in (0, -1, 31 * 24 * HOUR + 1):
        with pytest.raises(InvalidInputError):
            e.d.make_eligible(e.root, tom, manager, bad_max)
    # Wrong types.
    with pytest.raises(TypeError):
        e.d.activate(tom, manager, "1h", "why")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        e.d.activate(tom, manager, 1.5, "why")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        e.d.activate(tom, manager, HOUR, None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        e.d.make_eligible(e.root, tom, manager, True)
    with pytest.raises(TypeError):
        e.d.make_eligible(e.root, tom, manager, HOUR, scope="queue")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        e.d.make_eligible(e.root, tom, manager, HOUR, 5)  # type: ignore[call-arg]
    assert e.d.revision == rev


def test_making_eligible_obeys_the_grant_rules(e: Env) -> None:
    admin = e.role("managers/Admin")
    mgr = e.user("mgr", "Manager")
    tom = e.user("tom")
    with pytest.raises(PermissionDeniedError):
        e.d.make_eligible(mgr, tom, admin, HOUR)
    assert e.d.user(tom).eligible == []


def test_activation_for_a_scope_and_ending_it_early(e: Env) -> None:
    sup = e.role("dashboard/Supervisor")
    queue = e.d.create_scope(e.root, "queue", "Sales")
    tom = e.user("tom")
    e.d.make_eligible(e.root, tom, sup, 2 * HOUR, scope=queue)
    assert [(x.role, x.scope) for x in e.d.user(tom).eligible] == [(sup, queue)]
    perms = e.d.role(sup).permissions
    with pytest.raises(PermissionDeniedError):
        e.d.activate(tom, sup, HOUR, "unscoped")  # eligible for the queue only
    e.d.activate(tom, sup, HOUR, "cover for Ann", scope=queue)
    assert e.d.check_scoped(tom, perms, queue)
    acts = [n for n in e.d.drain_notifications() if n.kind == "activated"]
    assert [n.scope for n in acts] == [queue]
    e.d.end_activation(tom, tom, sup, scope=queue)  # the user itself
    assert not e.d.check_scoped(tom, perms, queue)
    with pytest.raises(InvalidInputError):
        e.d.end_activation(e.root, tom, sup, scope=queue)  # nothing to end
    e.d.revoke_eligibility(e.root, tom, sup, scope=queue)
    assert e.d.user(tom).eligible == []
    with pytest.raises(PermissionDeniedError):
        e.d.activate(tom, sup, HOUR, "again", scope=queue)
    assert e.d.audit_events(tenant=e.tenant, action="end_activation").total == 1
    assert e.d.audit_events(tenant=e.tenant, action="revoke_eligibility").total == 1


# ---------------- break-glass ----------------


def test_a_lock_does_not_keep_a_break_glass_account_out_and_every_use_is_told(e: Env) -> None:
    e.d.set_password_policy(e.root, rolecall.PasswordPolicy(max_failed_logins=2))
    bg = e.user("glass", "managers/Admin")
    plain = e.user("plain")
    for u in (bg, plain):
        e.d.set_password(e.root, u, PW, temporary=False)
    with pytest.raises(PermissionDeniedError) as err:
        e.d.set_break_glass(bg, plain, True)
    assert err.value.kind == "superadmin_only"
    assert not e.d.user(bg).break_glass
    e.d.set_break_glass(e.root, bg, True)
    assert e.d.user(bg).break_glass
    for email in ("glass@acme.test", "plain@acme.test"):
        for _ in range(2):
            with pytest.raises(rolecall.AuthenticationError):
                e.d.login(e.tenant, email, "wrong password here")
    with pytest.raises(rolecall.AccountLockedError):
        e.d.login(e.tenant, "plain@acme.test", PW)
    e.d.drain_notifications()
    assert e.d.credential_status(bg).locked
    assert e.d.login(e.tenant, "glass@acme.test", PW).user == bg
    used = [n for n in e.d.drain_notifications() if n.kind == "break_glass_used"]
    assert [(n.user, n.action) for n in used] == [(bg, "login")]
    assert "action='login'" in repr(used[0])
    e.d.create_user(bg, first_name="New", last_name="Hire", email="new@acme.test")
    used = [n for n in e.d.drain_notifications() if n.kind == "break_glass_used"]
    assert [n.action for n in used] == ["create_user"]
    # Back to an ordinary account: the lock holds again.
    e.d.set_break_glass(e.root, bg, False)
    assert not e.d.user(bg).break_glass
    with pytest.raises(TypeError):
        e.d.set_break_glass(e.root, bg, 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        e.d.set_break_glass(e.root, bg, "yes")  # type: ignore[arg-type]

