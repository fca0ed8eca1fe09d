"""Dry runs from Python: Directory.simulate(fn), Directory.fork() and Directory.impact(), the
Impact they report, and that nothing of a simulation reaches the directory it was made on.
The rules and the impact are the core's (core/tests/simulate.rs tests them in depth); these
tests cover the binding's duties: conversions, the fork as a Directory, errors as exceptions."""

from __future__ import annotations

import json
import threading
from typing import List

import pytest

import rolecall
from rolecall import (
    AccessLevel,
    Directory,
    Impact,
    InvalidInputError,
    Permission,
    PermissionDeniedError,
    Product,
    ScopeKind,
    Simulation,
    UserImpact,
)

from conftest import Acme


def _events(d: Directory) -> int:
    return d.audit_events(limit=1000).total


def test_a_role_grant_is_planned_and_nothing_is_committed(acme: Acme) -> None:
    d = acme.d
    bob = acme.user("Bob")
    revision, events, snap = d.revision, _events(d), d.snapshot()
    plan = d.simulate(lambda f: f.assign_role(acme.root, bob, acme.roles["Operator"]))
    assert isinstance(plan, Simulation) and plan.value is None
    impact = plan.impact
    assert isinstance(impact, Impact) and impact and len(impact) == 1
    assert (impact.changed, impact.commits, impact.revision) == (True, 1, revision)
    entry = impact.users[0]
    assert isinstance(entry, UserImpact)
    assert (entry.user, entry.email, entry.lifecycle) == (bob, "bob@acme.test", "unchanged")
    assert ("campaigns.control", None) in entry.rights_gained
    assert entry.rights_lost == [] and entry.levels == []
    assert impact.user(bob) == entry and impact.user(acme.root) is None
    assert "bob@acme.test: + campaigns.control" in str(impact)
    # Nothing reached the directory.
    assert not d.check(bob, Permission.CAMPAIGNS_CONTROL)
    assert (d.revision, _events(d)) == (revision, events)
    assert d.snapshot().revision == snap.revision


def test_the_value_and_the_ids_are_those_of_a_real_run(acme: Acme) -> None:
    d = acme.d

    def plan(f: Directory) -> List[int]:
        u = f.create_user(acme.root, first_name="Eve", last_name="Doe", email="eve@acme.test",
                          roles=[acme.roles["Viewer"]])
        s = f.create_scope(acme.root, ScopeKind.QUEUE, "Night")
        return [u, s]

    sim = d.simulate(plan)
    eve, night = sim.value
    assert sim.impact.user(eve).lifecycle == "created"
    assert sim.impact.commits == 2
    with pytest.raises(rolecall.NotFoundError):
        d.user(eve)
    assert d.create_user(acme.root, first_name="Eve", last_name="Doe", email="eve@acme.test") == eve
    assert d.create_scope(acme.root, ScopeKind.QUEUE, "Night") == night


def test_a_refused_change_raises_and_changes_nothing(acme: Acme) -> None:
    d = acme.d
    olga = acme.user("Olga", "Operator")
    revision, events = d.revision, _events(d)
    with pytest.raises(PermissionDeniedError):
        d.simulate(lambda f: f.create_user(olga, first_name="E", last_name="D", email="e@acme.test"))
    assert (d.revision, _events(d)) == (revision, events)

    # Any exception of the function propagates as is.
    class Boom(Exception):
        pass

    def boom(f: Directory) -> None:
        f.assign_role(acme.root, olga, acme.roles["Viewer"])
        raise Boom()

    with pytest.raises(Boom):
        d.simulate(boom)
    assert d.revision == revision


def test_levels_pbx_links_and_deactivation(acme: Acme) -> None:
    d = acme.d
    ann = acme.user("Ann", "Operator")
    team = d.create_scope(acme.root, ScopeKind.TEAM, "Sales")
    d.assign_scope(acme.root, ann, team)
    ag = d.create_agreement(acme.root, "Invoicing", acme.root)

    def levels(f: Directory) -> None:
        f.set_access_level(acme.root, ag, ann, Product.VIRTUAL_PBX, AccessLevel.USER)
        f.link_pbx_subscriber(acme.root, ag, ann, "204")

    e = d.simulate(levels).impact.user(ann)
    assert e.levels == [(ag, Product.VIRTUAL_PBX, AccessLevel.NO_ACCESS, AccessLevel.USER)]
    assert e.pbx_gained == [(ag, "204")]
    assert "level Invoicing/virtual_pbx: no_access -> user" in str(e)

    e = d.simulate(lambda f: f.set_active(acme.root, ann, False)).impact.user(ann)
    assert e.lifecycle == "deactivated"
    assert e.scopes_lost == [team]
    assert ("campaigns.control", None) in e.rights_lost


def test_a_scoped_right_names_its_scope(d: Directory) -> None:
    t = d.create_tenant("Acme", rolecall.NewUser("Ada", "Root", "root@acme.test"),
                        presets=["managers", "dashboard"])
    root = t.superadmin
    sue = d.create_user(root, first_name="Sue", last_name="S", email="sue@acme.test")
    sales = d.create_scope(root, ScopeKind.TEAM, "Sales")
    sup = d.role_by_name(t.tenant, "dashboard/Supervisor")
    e = d.simulate(lambda f: f.grant_role_in_scope(root, sue, sup, sales)).impact.user(sue)
    assert e.rights_gained and all(scope == sales for _, scope in e.rights_gained)
    assert "@Sales" in str(e)


def test_to_json_is_the_documented_shape(acme: Acme) -> None:
    d = acme.d
    bob = acme.user("Bob", "Operator")
    impact = d.simulate(lambda f: f.delete_user(acme.root, bob)).impact
    doc = json.loads(impact.to_json())
    assert set(doc) == {"revision", "commits", "changes", "changed", "users"}
    (u,) = doc["users"]
    assert (u["user"], u["email"], u["lifecycle"]) == (bob, "bob@acme.test", "deleted")
    assert {"permission": "campaigns.control", "scope": None} in u["rights_lost"]


def test_notifications_of_the_fork_never_reach_the_original(acme: Acme) -> None:
    d = acme.d
    bob = acme.user("Bob")
    heard: list = []
    d.on_notification(heard.append)
    d.simulate(lambda f: f.update_user(acme.root, bob, email="robert@acme.test"))
    assert heard == []
    assert d.user(bob).email == "bob@acme.test"


def test_the_fork_is_an_independent_directory(acme: Acme) -> None:
    d = acme.d
    bob = acme.user("Bob")
    with pytest.raises(InvalidInputError):
        d.impact()
    kept: List[Directory] = []
    d.simulate(kept.append)
    fork = kept[0]
    assert isinstance(fork, Directory)
    # Usable after the call; what is done on it now is its own impact, not the simulation's.
    fork.assign_role(acme.root, bob, acme.roles["Viewer"])
    assert fork.check(bob, Permission.CAMPAIGNS_VIEW) and not d.check(bob, Permission.CAMPAIGNS_VIEW)
    assert fork.impact().user(bob) is not None
    # fork() gives the same directly; a fork of a fork works too.
    f2 = d.fork().fork()
    assert not f2.impact()
    f2.close()
    with pytest.raises(rolecall.StorageError):
        f2.impact()


def test_other_threads_keep_checking_during_a_simulation(acme: Acme) -> None:
    d = acme.d
    bob = acme.user("Bob", "Viewer")
    stop = threading.Event()
    answers: list = []

    def check() -> None:
        while not stop.is_set():
            answers.append(d.check(bob, Permission.CAMPAIGNS_VIEW))

    t = threading.Thread(target=check)
    t.start()
    try:
        users = [acme.user(f"U{i}") for i in range(20)]
        plan = d.simulate(
            lambda f: [f.assign_role(acme.root, u, acme.roles["Operator"]) for u in users]
        )
    finally:
        stop.set()
        t.join()
    assert len(plan.impact) == 20 and all(answers)


def test_bad_input_raises_type_errors(acme: Acme) -> None:
    with pytest.raises(TypeError):
        acme.d.simulate(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        acme.d.simulate()  # type: ignore[call-arg]


def test_readme_dry_run_python_block_runs() -> None:
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    start = text.index("<!-- dry run: Python -->")
    section = text[start : text.index("<!-- end dry run: Python -->", start)]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "no python block in the README's dry-run part"
    exec(compile(blocks[0], "README.md", "exec"), {})  # noqa: S102 - our own documentation
