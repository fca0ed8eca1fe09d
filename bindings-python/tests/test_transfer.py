"""Import and export of a tenant from Python (``Directory.export_tenant`` / ``import_tenant`` /
``import_users_csv``, ``ImportReport``, ``InvalidImportError``). The core decides; these tests
only drive it."""

from __future__ import annotations

import json
import pickle
from typing import Tuple

import pytest

import rolecall
from rolecall import Directory, NewUser, Preset


def _acme() -> Tuple[Directory, int, int]:
    d = Directory()
    t = d.create_tenant("Acme", NewUser("Ada", "Root", "root@acme.test"), presets=[Preset.MANAGERS])
    root = t.superadmin
    team = d.create_scope(root, rolecall.ScopeKind.TEAM, "Floor A")
    floor = d.create_group(root, "Floor", roles=[d.role_by_name(t.tenant, "Viewer")])
    d.create_user(
        root,
        first_name="Ann",
        last_name="Lee",
        email="ann@acme.test",
        roles=[d.role_by_name(t.tenant, "Operator")],
        teams=[team],
        groups=[floor],
    )
    return d, t.tenant, root


def test_export_then_import_into_an_empty_directory_round_trips() -> None:
    d, _, root = _acme()
    text = d.export_tenant(root)
    doc = json.loads(text)
    assert doc["format"] == "rolecall.tenant" and doc["version"] == 1
    assert [u["email"] for u in doc["users"]] == ["ann@acme.test", "root@acme.test"]

    fresh = Directory()
    t = fresh.create_tenant("Acme", NewUser("Ada", "Root", "root@acme.test"))
    report = fresh.import_tenant(t.superadmin, doc)  # a dict, as json.loads gives
    assert isinstance(report, rolecall.ImportReport)
    assert report.changed and report.revision == fresh.revision
    assert report.users.created == ["ann@acme.test"] and report.users.unchanged == 1
    assert report.groups.created == ["Floor"]
    assert json.loads(report.to_json())["users"]["created"] == ["ann@acme.test"]
    assert fresh.export_tenant(t.superadmin) == text

    again = fresh.import_tenant(t.superadmin, text)  # JSON text
    assert not again.changed and again.users.unchanged == 2 and again.revision == report.revision


def test_export_needs_reading_rights_and_hashes_need_the_superadministrator() -> None:
    d, tenant, root = _acme()
    ann = d.user_by_email(tenant, "ann@acme.test")
    with pytest.raises(rolecall.PermissionDeniedError):
        d.export_tenant(ann)
    d.set_password(root, ann, "correct horse battery staple")
    doc = json.loads(d.export_tenant(root, password_hashes=True))
    ann_doc = next(u for u in doc["users"] if u["email"] == "ann@acme.test")
    assert ann_doc["password"]["hash"].startswith("$argon2id$")
    assert "password" not in json.loads(d.export_tenant(root))["users"][0]


def test_every_problem_at_once_as_invalid_import_error() -> None:
    d, _, root = _acme()
    before = d.revision
    doc = json.loads(d.export_tenant(root))
    doc["users"].append({"email": "nope", "first_name": "", "last_name": "X"})
    with pytest.raises(rolecall.InvalidImportError) as e:
        d.import_tenant(root, doc)
    assert isinstance(e.value, rolecall.InvalidInputError)
    assert e.value.code == 118 and e.value.kind == "invalid_import"
    assert ("users[2].email", "email") in [(p[0], p[1]) for p in e.value.problems]
    assert ("users[2].first_name", "first_name") in [(p[0], p[1]) for p in e.value.problems]
    assert d.revision == before
    back = pickle.loads(pickle.dumps(e.value))
    assert back.problems == e.value.problems
    with pytest.raises(rolecall.InvalidImportError):
        d.import_tenant(root, "{not json")


def test_users_from_csv_and_the_refusals_of_the_rules() -> None:
    d, tenant, root = _acme()
    csv = (
        "email,first_name,last_name,roles,groups,teams\n"
        "bob@acme.test,Bob,Ray,Operator,Floor,Floor A\n"
        "cat@acme.test,Cat,Kim,,,\n"
    )
    r = d.import_users_csv(root, csv)
    assert r.users.created == ["bob@acme.test", "cat@acme.test"]
    bob = d.user_by_email(tenant, "bob@acme.test")
    assert d.user_groups(bob) == [d.group_by_name(tenant, "Floor").id]
    assert not d.import_users_csv(root, csv).changed
    with pytest.raises(rolecall.InvalidImportError) as e:
        d.import_users_csv(root, "email,first_name,last_name,shoe\na@acme.test,A,B,42\n")
    assert e.value.problems == [("line 1", "shoe", e.value.problems[0][2])]
    ann = d.user_by_email(tenant, "ann@acme.test")
    with pytest.raises(rolecall.PermissionDeniedError):
        d.import_users_csv(ann, "email,first_name,last_name\neve@acme.test,Eve,Park\n")


def test_an_import_is_planned_first_with_its_impact() -> None:
    d, tenant, root = _acme()
    rev = d.revision
    csv = "email,first_name,last_name,roles\nzoe@acme.test,Zoe,Ng,Operator\n"
    plan = d.plan_users_csv(root, csv)
    assert isinstance(plan.value, rolecall.ImportReport)
    assert plan.value.users.created == ["zoe@acme.test"]
    assert plan.impact.users and d.revision == rev
    plan = d.plan_import(root, d.export_tenant(root))
    assert not plan.value.changed and not plan.impact.users
    doc = json.loads(d.export_tenant(root))  # a dict, as import_tenant takes it
    doc["users"].append({"email": "kim@acme.test", "first_name": "Kim", "last_name": "Li"})
    plan = d.plan_import(root, doc)
    assert plan.value.users.created == ["kim@acme.test"] and d.revision == rev
    with pytest.raises(rolecall.InvalidImportError):
        d.plan_users_csv(root, "email,first_name,last_name\nbad,,X\n")
