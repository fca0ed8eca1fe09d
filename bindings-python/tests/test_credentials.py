"""Credentials, login, lockout, recovery, security stamps, notifications and audit from Python:
the scenarios of core/tests/credentials.rs, plus the binding's own duties (conversions, secrets
never shown, the GIL released while hashing)."""

from __future__ import annotations

import pickle
import threading
import time
from dataclasses import dataclass
from typing import List

import pytest

import rolecall
from rolecall import (
    AccountLockedError,
    AuditEvent,
    AuthenticationError,
    AuthenticationFailedError,
    Directory,
    InvalidInputError,
    InvalidTokenError,
    ManualClock,
    NewUser,
    Notification,
    PasswordPolicy,
    PermissionDeniedError,
    Preset,
    Session,
    WeakPasswordError,
)

PW = "violet kettle on the moon"
ROOT_PW = "azure lantern drift seven"
MINUTE = 60 * 1000
DAY = 86_400_000


@dataclass
class World:
    d: Directory
    clock: ManualClock
    tenant: int
    root: int
    olga: int


@pytest.fixture
def w() -> World:
    clock = ManualClock(1_700_000_000_000)
    d = Directory(clock=clock)
    d.set_hash_params(m_kib=256, t=1, p=1)  # tests only: the default is the OWASP minimum
    t = d.create_tenant(
        "Acme", NewUser("Ada", "Root", "ada@acme.test", password=ROOT_PW), presets=[Preset.MANAGERS]
    )
    op = d.role_by_name(t.tenant, "Operator")
    olga = d.create_user(
        t.superadmin,
        first_name="Olga",
        last_name="Petrova",
        email="olga@acme.test",
        roles=[op],
        password=PW,  # temporary by default
    )
    return World(d, clock, t.tenant, t.superadmin, olga)


def test_login_reports_the_temporary_password_and_records_the_time(w: World) -> None:
    s = w.d.login(w.tenant, "OLGA@acme.test", PW)
    assert isinstance(s, Session)
    assert (s.user, s.must_change_password) == (w.olga, True)
    assert repr(s) == f"Session(user={w.olga}, stamp={s.stamp}, must_change_password=True)"
    assert s == s and hash(s) == hash(s)
    assert w.d.user(w.olga).last_login == w.clock.now
    w.d.change_password(w.olga, PW, "a brand new passphrase")
    assert not w.d.session_valid(w.olga, s.stamp)  # a password change ends old sessions
    s2 = w.d.login(w.tenant, "olga@acme.test", "a brand new passphrase")
    assert not s2.must_change_password
    assert w.d.session_valid(w.olga, s2.stamp)
    # The superadministrator created with a password can log in too.
    assert w.d.login(w.tenant, "ada@acme.test", ROOT_PW).user == w.root


def test_unknown_email_wrong_password_and_inactive_user_look_the_same(w: World) -> None:
    errors = []
    for email, password in [("nobody@acme.test", PW), ("olga@acme.test", "wrong password here")]:
        with pytest.raises(AuthenticationFailedError) as e:
            w.d.login(w.tenant, email, password)
        errors.append(e.value)
    w.d.set_active(w.root, w.olga, False)
    with pytest.raises(AuthenticationFailedError) as e:
        w.d.login(w.tenant, "olga@acme.test", PW)
    errors.append(e.value)
    assert {(type(x), x.code, x.kind, str(x)) for x in errors} == {
        (AuthenticationFailedError, 500, "authentication_failed",
         "authentication failed: wrong email or password")
    }
    assert isinstance(errors[0], AuthenticationError)
    failures = w.d.audit_events(action="login", outcome="authentication_failed")
    assert failures.total == 3
    assert "inactive" in (failures.items[2].detail or "")


def test_five_failures_lock_the_account_until_unlocked_or_expired(w: World) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationFailedError):
            w.d.login(w.tenant, "olga@acme.test", "not the password")
    assert w.d.credential_status(w.olga).locked
    with pytest.raises(AccountLockedError) as e:
        w.d.login(w.tenant, "olga@acme.test", PW)
    until = w.clock.now + 15 * MINUTE
    assert (e.value.code, e.value.kind, e.value.until) == (501, "account_locked", until)
    assert isinstance(e.value, AuthenticationError)
    again = pickle.loads(pickle.dumps(e.value))
    assert type(again) is AccountLockedError and again.until == until
    status = w.d.credential_status(w.olga)
    assert (status.has_password, status.failed_logins, status.locked_until) == (True, 5, until)
    locked = [n for n in w.d.drain_notifications() if n.kind == "account_locked"]
    assert [(n.user, n.email, n.until) for n in locked] == [(w.olga, "olga@acme.test", until)]
    # The lock expires.
    w.clock.advance(15 * MINUTE + 1)
    w.d.login(w.tenant, "olga@acme.test", PW)
    for _ in range(5):
        with pytest.raises(AuthenticationFailedError):
            w.d.login(w.tenant, "olga@acme.test", "not the password")
    with pytest.raises(AccountLockedError):
        w.d.login(w.tenant, "olga@acme.test", PW)
    # An operator may not unlock; the superadministrator may.
    with pytest.raises(PermissionDeniedError):
        w.d.unlock(w.olga, w.olga)
    w.d.unlock(w.root, w.olga)
    assert not w.d.credential_status(w.olga).locked
    w.d.login(w.tenant, "olga@acme.test", PW)


def test_recovery_tokens_are_single_use_expiring_and_superseded(w: World) -> None:
    assert w.d.request_password_reset(w.tenant, "nobody@acme.test") is None
    issued = w.d.request_password_reset(w.tenant, "Olga@Acme.test")
    assert issued is not None and issued.user == w.olga
    assert len(issued.token) == 64 and issued.expires_at == w.clock.now + 30 * MINUTE
    sent = [n for n in w.d.drain_notifications() if n.kind == "password_reset_requested"]
    assert [(n.user, n.email, n.token, n.expires_at) for n in sent] == [
        (w.olga, "olga@acme.test", issued.token, issued.expires_at)
    ]
    rev = w.d.revision
    with pytest.raises(InvalidTokenError) as e:
        w.d.reset_password_with_token(w.tenant, "forged", "another fine passphrase")
    assert (e.value.code, e.value.kind) == (502, "invalid_token")
    assert w.d.revision == rev
    assert w.d.reset_password_with_token(w.tenant, issued.token, "another fine passphrase") == w.olga
    with pytest.raises(InvalidTokenError):
        w.d.reset_password_with_token(w.tenant, issued.token, "yet another passphrase")
    w.d.login(w.tenant, "olga@acme.test", "another fine passphrase")

    late = w.d.request_password_reset(w.tenant, "olga@acme.test")
    assert late is not None
    w.clock.advance(30 * MINUTE)
    with pytest.raises(InvalidTokenError):
        w.d.reset_password_with_token(w.tenant, late.token, "expired token attempt")

    superseded = w.d.request_password_reset(w.tenant, "olga@acme.test")
    assert superseded is not None
    w.d.set_password(w.root, w.olga, "admin chosen passphrase")  # temporary by default
    with pytest.raises(InvalidTokenError):
        w.d.reset_password_with_token(w.tenant, superseded.token, "too late for this one")
    assert w.d.login(w.tenant, "olga@acme.test", "admin chosen passphrase").must_change_password


def test_the_policy_names_the_failed_rule_and_nothing_changes(w: World) -> None:
    rev = w.d.revision
    for pw, rule in [
        ("", "empty"),
        ("short", "too_short"),
        ("q1w2e3r4t5y6", "common"),
        ("olga petrova rocks", "contains_personal_data"),
        ("x" * 129, "too_long"),
        ("tab\there is bad!", "control_characters"),
    ]:
        with pytest.raises(WeakPasswordError) as e:
            w.d.set_password(w.root, w.olga, pw, temporary=False)
        assert (e.value.rule, e.value.code, e.value.kind) == (rule, 109, "weak_password")
        assert isinstance(e.value, InvalidInputError) and isinstance(e.value, ValueError)
        assert len(pw) < 8 or pw not in str(e.value)
        again = pickle.loads(pickle.dumps(e.value))
        assert type(again) is WeakPasswordError and again.rule == rule
    with pytest.raises(WeakPasswordError, match="too_short"):
        w.d.create_user(w.root, first_name="Eve", last_name="V", email="eve@acme.test",
                        password="short")
    assert w.d.revision == rev
    # Changing one's own password requires the current one; a wrong one is counted.
    with pytest.raises(AuthenticationFailedError):
        w.d.change_password(w.olga, "not my password", "a brand new passphrase")
    assert w.d.revision == rev + 1
    assert w.d.credential_status(w.olga).failed_logins == 1


def test_password_policy_record_and_setting_it(w: World) -> None:
    default = PasswordPolicy()
    assert w.d.password_policy(w.tenant) == default
    assert (default.min_length, default.max_length, default.reject_common, default.reject_personal,
            default.max_failed_logins, default.lockout_ms, default.reset_token_ttl_ms) == (
        12, 128, True, True, 5, 15 * MINUTE, 30 * MINUTE)
    strict = PasswordPolicy(min_length=16, max_failed_logins=3)
    assert strict.max_length == 128 and strict == default.replace(min_length=16, max_failed_logins=3)
    assert hash(strict) == hash(default.replace(min_length=16, max_failed_logins=3))
    assert repr(strict).startswith("PasswordPolicy(min_length=16, max_length=128,")
    with pytest.raises(AttributeError):
        strict.min_length = 8  # type: ignore[misc]
    with pytest.raises(PermissionDeniedError):
        w.d.set_password_policy(w.olga, strict)
    w.d.set_password_policy(w.root, strict)
    assert w.d.password_policy(w.tenant) == strict
    with pytest.raises(WeakPasswordError) as e:
        w.d.set_password(w.root, w.olga, "fifteen chars!!")
    assert e.value.rule == "too_short"
    # The core validates the policy itself.
    with pytest.raises(InvalidInputError):
        w.d.set_password_policy(w.root, PasswordPolicy(min_length=4))
    with pytest.raises(TypeError):
        w.d.set_password_policy(w.root, {"min_length": 16})  # type: ignore[arg-type]
    # Three failures now lock.
    for _ in range(3):
        with pytest.raises(AuthenticationFailedError):
            w.d.login(w.tenant, "olga@acme.test", "not the password")
    with pytest.raises(AccountLockedError):
        w.d.login(w.tenant, "olga@acme.test", PW)


def test_the_security_stamp_moves_on_every_security_change_and_only_then(w: World) -> None:
    def stamp() -> int:
        return w.d.security_stamp(w.olga)

    s0 = stamp()
    w.d.update_user(w.root, w.olga, first_name="Olgа")
    assert stamp() == s0, "a name change does not end sessions"
    w.d.update_user(w.root, w.olga, email="olga.p@acme.test")
    s1 = stamp()
    assert s1 != s0 and not w.d.session_valid(w.olga, s0)
    changed = [n for n in w.d.drain_notifications() if n.kind == "email_changed"]
    # One shape for every kind (as in Rust, C and uniffi): `email` is where to write, here
    # the new address; `old_email` is set for an email change only.
    assert [(n.user, n.email, n.old_email, n.token, n.until) for n in changed] == [
        (w.olga, "olga.p@acme.test", "olga@acme.test", None, None)
    ]
    assert not hasattr(changed[0], "new_email")
    assert repr(changed[0]) == (
        f"Notification(kind='email_changed', user={w.olga}, email='olga.p@acme.test',"
        " old_email='olga@acme.test')"
    )
    # Granting access keeps sessions (settled rule 5); taking it away ends them.
    manager = w.d.role_by_name(w.tenant, "Manager")
    w.d.assign_role(w.root, w.olga, manager)
    assert stamp() == s1
    g = w.d.create_group(w.root, "Night", [manager])
    w.d.add_member(w.root, g, w.olga)
    assert stamp() == s1
    w.d.revoke_role(w.root, w.olga, manager)
    assert stamp() == s1, "still held through the group"
    w.d.remove_member(w.root, g, w.olga)
    s3 = stamp()
    assert s3 != s1
    w.d.set_password(w.root, w.olga, "admin chosen passphrase", temporary=False)
    s4 = stamp()
    assert s4 != s3
    w.d.set_active(w.root, w.olga, False)
    assert stamp() != s4
    assert not w.d.session_valid(w.olga, stamp()), "an inactive user has no valid session"
    with pytest.raises(rolecall.NotFoundError):
        w.d.security_stamp(9999)
    assert not w.d.session_valid(9999, 1)


def test_audit_queries(w: World) -> None:
    viewer = w.d.role_by_name(w.tenant, "Viewer")
    w.d.assign_role(w.root, w.olga, viewer)
    page = w.d.audit_events(actor=w.root, action="assign_role")
    assert page.total == 1 and len(page) == 1
    ev = page.items[0]
    assert isinstance(ev, AuditEvent) and list(page) == [ev]
    assert (ev.tenant, ev.actor, ev.outcome) == (w.tenant, w.root, "ok")
    assert (ev.target_kind, ev.target_id) == ("user", w.olga)
    assert ev.revision == w.d.revision and ev.at == w.clock.now
    assert "olga@acme.test" in (ev.before or "") and str(viewer.id) in (ev.after or "")
    assert repr(ev).startswith(f"AuditEvent(seq={ev.seq}, at={ev.at}, tenant={w.tenant}, ")
    assert w.d.audit_events(target_kind="user", target_id=w.olga, action="assign_role") == page
    # A refusal is audited and changes nothing.
    rev = w.d.revision
    with pytest.raises(PermissionDeniedError):
        w.d.create_user(w.olga, first_name="E", last_name="V", email="eve@acme.test")
    assert w.d.revision == rev
    denied = w.d.audit_events(actor=w.olga, outcome="permission_denied")
    assert denied.total == 1 and denied.items[0].action == "create_user"
    # Paging and time range.
    some = w.d.audit_events(tenant=w.tenant, offset=1, limit=2)
    assert len(some.items) == 2 and some.total >= 4 and some.offset == 1
    assert w.d.audit_events(since=w.clock.now + 1).total == 0
    assert w.d.audit_events(until=w.clock.now).total == 0
    assert w.d.audit_events(since=w.clock.now).total == w.d.audit_events().total
    with pytest.raises(InvalidInputError):
        w.d.audit_events(limit=0)
    with pytest.raises(InvalidInputError):
        w.d.audit_events(limit=1001)
    # Records stand in for ids.
    assert w.d.audit_events(tenant=w.d.tenant(w.tenant), actor=w.d.user(w.root)).total >= 1


def test_audit_after_pages_from_a_cursor_and_formats_json_lines_and_cef(w: World) -> None:
    import json

    everything = w.d.audit_events(limit=1000).items
    seqs: List[int] = []
    cursor = 0
    while True:
        page = w.d.audit_after(cursor, 2)
        assert len(page) <= 2
        if not page:
            break
        seqs += [e.seq for e in page]
        cursor = page[-1].seq
    assert seqs == [e.seq for e in everything] and len(seqs) >= 2
    # A commit after the cursor shows up on the next page.
    w.d.set_active(w.root, w.olga, False)
    (late,) = w.d.audit_after(cursor, 10)
    assert late.action == "set_active" and late.seq > cursor
    line = json.loads(late.to_json_line())
    assert line["schema"] == "rolecall.audit/1" and line["seq"] == late.seq
    assert line["time_ms"] == late.at and line["time"].endswith("Z")
    assert line["actor"] == w.root and line["target_id"] == w.olga
    assert isinstance(line["after"], list)  # nested JSON, not a string
    cef = late.to_cef()
    assert cef.startswith("CEF:0|rolecall|rolecall|") and "|set_active|set_active|3|" in cef
    assert f"suid={w.root}" in cef and f"duid={w.olga}" in cef
    with pytest.raises(InvalidInputError):
        w.d.audit_after(0, 0)
    with pytest.raises(InvalidInputError):
        w.d.audit_after(0, 10_001)


def test_users_inactive_for(w: World) -> None:
    w.clock.advance(10 * DAY)
    w.d.login(w.tenant, "olga@acme.test", PW)
    assert [u.id for u in w.d.users_inactive_for(w.tenant, 5)] == [w.root]
    assert w.d.users_inactive_for(w.tenant, 11) == []
    with pytest.raises(rolecall.NotFoundError):
        w.d.users_inactive_for(999, 5)


def test_weak_hashes_are_upgraded_at_the_next_successful_login(w: World) -> None:
    w.d.set_hash_params(m_kib=512, t=2, p=1)
    w.d.login(w.tenant, "olga@acme.test", PW)
    assert w.d.audit_events(action="login").items[-1].detail == "password hash upgraded"
    w.d.login(w.tenant, "olga@acme.test", PW)
    assert w.d.audit_events(action="login").items[-1].detail is None


def test_secrets_never_appear_in_reprs_messages_or_the_audit(w: World) -> None:
    w.d.login(w.tenant, "olga@acme.test", PW)
    with pytest.raises(AuthenticationFailedError) as e1:
        w.d.login(w.tenant, "olga@acme.test", "hunter2 but longer")
    w.d.set_password(w.root, w.olga, "admin chosen passphrase")
    issued = w.d.request_password_reset(w.tenant, "olga@acme.test")
    assert issued is not None
    notes = w.d.drain_notifications()
    with pytest.raises(WeakPasswordError) as e2:
        w.d.set_password(w.root, w.olga, "olga petrova rocks")
    with pytest.raises(InvalidTokenError) as e3:
        w.d.reset_password_with_token(w.tenant, issued.token + "x", "another fine passphrase")
    nu = NewUser("A", "B", "a@b.test", password="kept secret passphrase")
    assert nu.has_password and nu.temporary
    events = w.d.audit_events(limit=1000)
    text = " ".join(
        [repr(events), repr(issued), repr(notes), repr(nu), repr(w.d.user(w.olga)),
         repr(w.d.credential_status(w.olga))]
        + [f"{e!r} {e}" for e in (e1.value, e2.value, e3.value)]
        + [f"{ev.before} {ev.after} {ev.detail}" for ev in events]
    )
    for secret in (PW, ROOT_PW, "hunter2 but longer", "admin chosen passphrase",
                   "olga petrova rocks", "kept secret passphrase", issued.token):
        assert secret not in text, f"{secret!r} leaked"
    assert "$argon2id$" not in text
    assert "token='***'" in repr(issued) and "token='***'" in repr(notes[0])
    assert "password='***'" in repr(nu)


def test_password_arguments_must_be_clean_str(w: World) -> None:
    rev = w.d.revision
    for bad in (b"violet kettle on the moon", 12345678901234, None, ["x"]):
        with pytest.raises(TypeError, match="must be a str") as e:
            w.d.login(w.tenant, "olga@acme.test", bad)  # type: ignore[arg-type]
        assert "violet" not in str(e.value)
    with pytest.raises(ValueError, match="NUL") as v:
        w.d.set_password(w.root, w.olga, "nul\x00inside a passphrase")
    assert "inside" not in str(v.value)
    with pytest.raises(ValueError, match="surrogates") as v:
        w.d.change_password(w.olga, PW, "lone \udc80 surrogate passphrase")
    assert "surrogate passphrase" not in str(v.value)
    with pytest.raises(ValueError, match="NUL"):
        NewUser("A", "B", "a@b.test", password="a\x00b")
    with pytest.raises(ValueError, match="NUL"):
        w.d.create_tenant("T", {"first_name": "A", "last_name": "B", "email": "a@t.test",
                                "password": "x\x00y"})
    with pytest.raises(TypeError):
        w.d.reset_password_with_token(w.tenant, 42, "another fine passphrase")  # type: ignore[arg-type]
    assert w.d.revision == rev


def test_initial_passwords_through_every_way_of_creating_users(w: World) -> None:
    t = w.d.create_tenant("Other", {"first_name": "Otto", "last_name": "Root",
                                    "email": "otto@other.test", "password": ROOT_PW,
                                    "temporary": False})
    assert not w.d.login(t.tenant, "otto@other.test", ROOT_PW).must_change_password
    ids = w.d.create_users(w.root, [
        NewUser("Ivy", "A", "ivy@acme.test", password="long winter passphrase"),
        {"first_name": "Jo", "last_name": "B", "email": "jo@acme.test"},
    ])
    assert w.d.credential_status(ids[0]).has_password
    assert not w.d.credential_status(ids[1]).has_password
    with pytest.raises(AuthenticationFailedError):
        w.d.login(w.tenant, "jo@acme.test", "any passphrase at all")
    # The same tenant login is per tenant: Olga's email is unknown in the other tenant.
    with pytest.raises(AuthenticationFailedError):
        w.d.login(t.tenant, "olga@acme.test", PW)


def test_on_notification_runs_outside_the_core_lock_and_may_reenter(w: World) -> None:
    seen: List[Notification] = []

    def cb(n: Notification) -> None:
        seen.append(n)
        # Re-entering the directory from the callback is safe: no core lock is held.
        w.d.audit_events(limit=1)
        w.d.user(n.user)

    w.d.on_notification(cb)
    w.d.update_user(w.root, w.olga, email="olga.p@acme.test")
    issued = w.d.request_password_reset(w.tenant, "olga.p@acme.test")
    assert issued is not None
    assert [n.kind for n in seen] == ["email_changed", "password_reset_requested"]
    assert seen[1].token == issued.token
    # Still queued for drain_notifications.
    assert [n.kind for n in w.d.drain_notifications()] == [n.kind for n in seen]
    # A lock notification arrives although the login itself raises.
    for _ in range(5):
        with pytest.raises(AuthenticationFailedError):
            w.d.login(w.tenant, "olga.p@acme.test", "not the password")
    assert seen[-1].kind == "account_locked"
    w.d.on_notification(None)
    w.d.update_user(w.root, w.olga, email="olga@acme.test")
    assert len(seen) == 3
    with pytest.raises(TypeError, match="callable"):
        w.d.on_notification(42)  # type: ignore[arg-type]


def test_on_notification_exceptions_go_to_the_unraisable_hook(
    w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    caught: List[BaseException] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: caught.append(u.exc_value))

    def cb(n: Notification) -> None:
        raise RuntimeError("callback failed")

    w.d.on_notification(cb)
    w.d.update_user(w.root, w.olga, email="olga.p@acme.test")  # the change itself succeeds
    assert w.d.user(w.olga).email == "olga.p@acme.test"
    assert [str(e) for e in caught] == ["callback failed"]


def test_a_callback_holding_the_directory_is_collected() -> None:
    import gc
    import weakref

    class Marker:
        pass

    d = Directory()
    marker = Marker()
    d.on_notification(lambda n: (d.revision, marker))  # a cycle through the directory
    ref = weakref.ref(marker)
    del d, marker
    gc.collect()
    assert ref() is None


def test_logins_release_the_gil(w: World) -> None:
    """Logins hash with argon2 (tens of ms at the default cost) with the GIL released: while
    several threads log in, another thread keeps checking *during* each login. (A login holding
    the GIL would let no other Python thread run from its call to its return.)"""
    w.d.set_hash_params()  # the default cost, so that a hash takes long enough to see
    w.d.set_password(w.root, w.olga, PW, temporary=False)
    stop = threading.Event()
    ticks = [0]

    def checker() -> None:
        while not stop.is_set():
            assert w.d.check(w.olga, "campaigns.control")
            ticks[0] += 1

    during: List[int] = []
    results: List[bool] = []

    def login() -> None:
        for _ in range(2):
            before = ticks[0]
            ok = w.d.login(w.tenant, "olga@acme.test", PW).user == w.olga
            during.append(ticks[0] - before)
            results.append(ok)

    c = threading.Thread(target=checker)
    workers = [threading.Thread(target=login) for _ in range(3)]
    c.start()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    stop.set()
    c.join()
    assert results == [True] * 6
    # The checker may be descheduled by the OS now and then, never for most logins.
    assert sum(1 for n in during if n > 0) >= len(during) // 2 + 1, during


def test_passwords_set_by_someone_else_are_temporary_by_default(w: World) -> None:
    bob = w.d.create_user(w.root, first_name="Bob", last_name="Lee", email="bob@acme.test",
                          password=PW)
    assert w.d.credential_status(bob).must_change
    assert w.d.login(w.tenant, "bob@acme.test", PW).must_change_password
    dee = w.d.create_user(w.root, first_name="Dee", last_name="Lee", email="dee@acme.test",
                          password=PW, temporary=False)
    assert not w.d.credential_status(dee).must_change
    assert NewUser("A", "B", "a@b.test", password=PW).temporary
    assert not NewUser("A", "B", "a@b.test", password=PW, temporary=False).temporary
    ids = w.d.create_users(w.root, [
        NewUser("Cy", "Lee", "cy@acme.test", password=PW),
        {"first_name": "Di", "last_name": "Lee", "email": "di@acme.test", "password": PW,
         "temporary": False},
    ])
    assert [w.d.credential_status(i).must_change for i in ids] == [True, False]
    with pytest.raises(TypeError, match="must_change_password"):
        w.d.create_users(w.root, [{"first_name": "Ed", "last_name": "Lee",
                                   "email": "ed@acme.test", "must_change_password": False}])
    # The superadministrator's password at create_tenant follows the same default.
    t = w.d.create_tenant("Globex", NewUser("Gus", "Root", "gus@globex.test", password=PW))
    assert w.d.credential_status(t.superadmin).must_change


def test_a_lock_until_unlocked_holds_and_huge_durations_are_refused(w: World) -> None:
    assert PasswordPolicy.UNTIL_UNLOCKED == 2**63 - 1
    assert PasswordPolicy.MAX_RESET_TOKEN_TTL_MS == 7 * DAY
    w.d.set_password_policy(w.root, PasswordPolicy(lockout_ms=PasswordPolicy.UNTIL_UNLOCKED))
    for _ in range(6):
        with pytest.raises(AuthenticationError):
            w.d.login(w.tenant, "olga@acme.test", "not the password")
    with pytest.raises(AccountLockedError) as e:
        w.d.login(w.tenant, "olga@acme.test", PW)
    assert e.value.until == 2**63 - 1
    w.clock.advance(100 * 365 * DAY)
    with pytest.raises(AccountLockedError):
        w.d.login(w.tenant, "olga@acme.test", PW)
    w.d.unlock(w.root, w.olga)
    w.d.login(w.tenant, "olga@acme.test", PW)
    rev = w.d.revision
    with pytest.raises(InvalidInputError, match="reset_token_ttl_ms"):
        w.d.set_password_policy(w.root, PasswordPolicy(reset_token_ttl_ms=2**63 - 1))
    assert w.d.revision == rev


def test_change_password_counts_wrong_passwords_and_refuses_while_locked(w: World) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationFailedError):
            w.d.change_password(w.olga, "not the password", "a brand new passphrase")
    assert w.d.credential_status(w.olga).locked
    with pytest.raises(AccountLockedError):
        w.d.change_password(w.olga, PW, "a brand new passphrase")


def test_an_unknown_login_is_audited_without_the_identifier(w: World) -> None:
    with pytest.raises(AuthenticationFailedError):
        w.d.login(w.tenant, "Zebra-Quartz-Mango-77!@acme.test", PW)
    assert w.d.request_password_reset(w.tenant, "Zebra-Quartz-Mango-77!@acme.test") is None
    text = " ".join(f"{e.detail} {e.before} {e.after}" for e in w.d.audit_events(limit=1000))
    assert "zebra" not in text.lower()
    assert Directory.MAX_PASSWORDS_PER_CALL == 1000


def test_audit_retention_prunes_by_age_and_exports_first() -> None:
    clock = rolecall.ManualClock(1_000_000)
    d = rolecall.Directory(clock=clock)
    t = d.create_tenant("Acme", rolecall.NewUser("Ada", "Root", "root@acme.test"))
    with pytest.raises(rolecall.AuthenticationError):
        d.login(t.tenant, "nobody@acme.test", "not the password at all")
    clock.advance(1000)
    cut = clock.now
    d.create_user(t.superadmin, first_name="Bo", last_name="B", email="bo@acme.test")
    # An export that raises removes nothing.
    def broken(_: rolecall.AuditEvent) -> None:
        raise OSError("archive unreachable")
    with pytest.raises(OSError, match="archive unreachable"):
        d.export_audit(cut, broken)
    assert d.audit_events().total == 3
    archived: list = []
    assert d.export_audit(cut, archived.append) == 2
    assert [e.action for e in archived] == ["create_tenant", "login"]
    left = d.audit_events().items
    assert [e.action for e in left] == ["create_user", "prune_audit"]
    assert left[1].detail == f'{{"before":{cut},"removed":2}}' and left[1].actor is None
    assert d.prune_audit(cut) == 0
