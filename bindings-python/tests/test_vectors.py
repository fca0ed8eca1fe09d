"""Replays every conformance vector file (``tests/vectors/*.json``) through the Python API.

A file added to that directory is picked up without code changes; ``ROLECALL_VECTORS``
selects another directory or one file, as for the Rust runner.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

import pytest

from vector_runner import run_file, vector_files

FILES = vector_files()


def test_vectors_are_found() -> None:
    assert FILES, "no conformance vectors found"


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_vector_file(path: Path) -> None:
    name = f"{path.parent.name}/{path.name}"
    steps, failure = run_file(name, path.read_text(encoding="utf-8"))
    assert failure is None, failure
    assert steps > 0


PREFIX = {
    "op": "create_tenant",
    "name": "T",
    "presets": ["managers"],
    "superadmin": {"first_name": "Ro", "last_name": "Ot", "email": "root@t.test"},
    "bind": "t",
    "bind_superadmin": "root",
}


@pytest.mark.parametrize(
    ("step", "want"),
    [
        (
            {"op": "check", "user": "root", "permission": "users.manage", "expect": False},
            "expected false, got true",
        ),
        (
            {"op": "check", "user": "root", "permission": "users.manage", "expect": 1},
            "expected 1, got true",
        ),
        (
            {"op": "delete_user", "as": "root", "user": "root", "expect": {"error": "escalation"}},
            "expected error escalation, got error superadmin_protected",
        ),
        (
            {"op": "create_scope", "as": "root", "kind": "ivr", "name": "Main",
             "expect": {"error": "duplicate_name"}},
            "expected error duplicate_name, got success",
        ),
        (
            {"op": "create_user", "as": "root", "first_name": "A", "last_name": "B",
             "email": "bad"},
            "expected success, got error invalid_email",
        ),
        (
            {"op": "check", "user": "nobody", "permission": "users.manage", "expect": False},
            "malformed step: unbound user handle",
        ),
        (
            {"op": "check", "user": "root", "permision": "users.manage", "expect": True},
            "unknown field 'permision'",
        ),
        ({"op": "fly", "as": "root"}, "unknown op 'fly'"),
        (
            {"op": "get_user", "user": "root", "expect": {"email": "ROOT@t.test"}},
            'expected {"email": "ROOT@t.test"}',
        ),
        (
            {"op": "login", "tenant": "t", "email": "root@t.test", "password": "no password is set",
             "expect": {"user": "root", "must_change_password": False}},
            "expected success, got error authentication_failed",
        ),
        (
            {"op": "create_users", "as": "root",
             "users": [{"first_name": "A", "last_name": "B", "email": "a@t.test", "pasword": "x"}]},
            "in a user of create_users",
        ),
        (
            {"op": "reset_password_with_token", "tenant": "t", "token": "nope",
             "password": "a fine new password"},
            "malformed step: unbound token handle",
        ),
        # The scope ops of issue 15: wrong answers and malformed steps are caught too.
        (
            {"op": "create_scope", "as": "root", "kind": "Queue", "name": "Q"},
            "expected success, got error invalid_argument",
        ),
        (
            {"op": "get_scope", "scope": 424242, "expect": {"name": "Q"}},
            "expected success, got error unknown_scope",
        ),
        (
            {"op": "get_user", "user": "root", "expect": {"teams": [1]}},
            'expected {"teams": [1]}',
        ),
        (
            {"op": "explain", "user": "root", "permission": "users.view",
             "expect": {"scope_grants": [{"role": "Operator", "scope": 1}]}},
            'expected {"scope_grants"',
        ),
        (
            {"op": "check_user", "user": "root", "permission": "users.view", "target": "root",
             "expect": False},
            "expected false, got true",
        ),
        (
            {"op": "search_users_as", "user": "root", "expect": {"total": 2}},
            'expected {"total": 2}, got {"total": 1',
        ),
        (
            {"op": "move_scope", "as": "root", "scope": "nowhere"},
            "malformed step: unbound scope handle",
        ),
        (
            {"op": "create_user", "as": "root", "first_name": "A", "last_name": "B",
             "email": "a@t.test", "grants": [{"role": "Operator"}]},
            'malformed step: "grants" must hold',
        ),
        # Issue 16: the clock, time-bound grants, activation, notifications.
        (
            {"op": "advance_clock", "ms": -1},
            'malformed step: "ms" must be a non-negative integer',
        ),
        (
            {"op": "valid_until", "expect": 1800000000000},
            "expected 1800000000000, got null",
        ),
        (
            {"op": "grant_for", "as": "root", "user": "root", "grant": {"role": "Operator"},
             "until": 1800000000000},
            "expected success, got error invalid_window",
        ),
        (
            {"op": "grant_for", "as": "root", "user": "root", "grant": {"rolle": "Operator"}},
            "malformed step: unknown grant kind 'rolle'",
        ),
        (
            {"op": "activate", "user": "root", "role": "Operator", "duration_ms": 1000,
             "justification": "why"},
            "expected success, got error not_eligible",
        ),
        (
            {"op": "notifications", "expect": [{"kind": "activated", "user": "root"}]},
            'expected [{"kind": "activated", "user": "root"}], got []',
        ),
        (
            {"op": "get_user", "user": "root",
             "expect": {"windows": [], "eligible": [], "break_glass": True}},
            '"break_glass": false',
        ),
    ],
)
def test_runner_reports_mismatches(step: Dict[str, Any], want: str) -> None:
    text = json.dumps({"title": "x", "source": "x", "steps": [PREFIX, step]})
    _, failure = run_file("self-test.json", text)
    assert failure is not None, f"no failure reported for {step}"
    assert failure.startswith("self-test.json step 1 ("), failure
    assert want in failure, failure
