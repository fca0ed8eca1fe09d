"""Contact-center scopes (issue 15) through the Python API: kinds (built-in and tenant-defined),
the scope hierarchy, roles granted per scope, teams, "my team only" checks and actor-aware
reads, delegated administration, and the errors of each, converted and delegated to the core.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict

import pytest

import rolecall
from rolecall import (
    ConflictError,
    Directory,
    InvalidInputError,
    NewUser,
    NotFoundError,
    PermissionDeniedError,
    Scope,
    ScopeAccess,
    ScopeGrant,
    ScopeKind,
)

ROLES = {
    "Site manager": ["users.view", "users.manage", "scopes.manage", "reports.view",
                     "campaigns.view", "campaigns.control"],
    "Team lead": ["users.view", "users.manage", "reports.view", "campaigns.control"],
    "Supervisor": ["reports.view", "campaigns.view"],
    "Analyst": ["reports.view"],
    "Agent": ["campaigns.view"],
}


@dataclass
class Cc:
    """A contact center: sites (teams holding teams), teams, queues, roles and people."""

    d: Directory
    tenant: int
    root: int
    roles: Dict[str, int]
    s: Dict[str, int]
    u: Dict[str, int]


def unchanged(d: Directory, call: Callable[[], Any], exc: Any) -> Any:
    """``call`` raises ``exc`` and changes nothing (the revision stays)."""
    before = d.revision
    with pytest.raises(exc) as e:
        call()
    assert d.revision == before
    return e.value


@pytest.fixture
def cc() -> Cc:
    d = Directory()
    t = d.create_tenant("Contact Co", NewUser("Rita", "Root", "root@cc.test"))
    root = t.superadmin
    roles = {n: d.create_role(root, name=n, permissions=p) for n, p in ROLES.items()}
    s: Dict[str, int] = {}
    s["lyon"] = d.create_scope(root, ScopeKind.TEAM, "Lyon")
    s["paris"] = d.create_scope(root, "team", "Paris")
    s["sales"] = d.create_scope(root, ScopeKind.TEAM, "Sales", s["lyon"])
    s["support"] = d.create_scope(root, ScopeKind.TEAM, "Support", parent=s["lyon"])
    s["psales"] = d.create_scope(root, ScopeKind.TEAM, "Paris Sales", parent=s["paris"])
    s["q_sales"] = d.create_scope(root, ScopeKind.QUEUE, "Sales EN", parent=s["sales"])
    s["q_support"] = d.create_scope(root, ScopeKind.QUEUE, "Support FR", parent=s["support"])
    s["q_paris"] = d.create_scope(root, ScopeKind.QUEUE, "Paris inbound", parent=s["psales"])
    s["spring"] = d.create_scope(root, ScopeKind.CAMPAIGN, "Spring", parent=s["lyon"])
    u: Dict[str, int] = {}
    u["mia"] = d.create_user(root, first_name="Mia", last_name="Site", email="mia@cc.test",
                             grants=[ScopeGrant(roles["Site manager"], s["lyon"])])
    u["tom"] = d.create_user(root, first_name="Tom", last_name="Lead", email="tom@cc.test",
                             teams=[s["sales"]], grants=[(roles["Team lead"], s["sales"])])
    u["sue"] = d.create_user(root, first_name="Sue", last_name="Visor", email="sue@cc.test")
    d.grant_role_in_scope(root, u["sue"], roles["Supervisor"], s["support"])
    for name, team in (("ann", "sales"), ("bob", "support"), ("pia", "psales")):
        u[name] = d.create_user(root, first_name=name.title(), last_name="Agent",
                                email=f"{name}@cc.test", roles=[roles["Agent"]],
                                teams=[s[team]])
    return Cc(d, t.tenant, root, roles, s, u)


# ---------------- kinds ----------------


def test_scope_kind_members_are_the_cores_built_in_kinds() -> None:
    assert [k.name for k in ScopeKind] == [
        "CALL_GROUP", "IVR", "QUEUE", "CAMPAIGN", "NUMBER", "TEAM"
    ]
    assert ScopeKind("queue") is ScopeKind.QUEUE and ScopeKind.NUMBER.value == "number"


def test_every_kind_is_created_and_read_back(cc: Cc) -> None:
    d, root = cc.d, cc.root
    for kind in ScopeKind:
        sid = d.create_scope(root, kind, f"One {kind.value}")
        assert d.scope(sid).kind is kind
        by_name = d.create_scope(root, kind.value, f"Two {kind.value}")
        assert d.scope(by_name).kind is kind


def test_a_tenant_defined_kind_is_a_plain_str(cc: Cc) -> None:
    d, root = cc.d, cc.root
    brand = d.create_scope(root, "brand", "Acme Blue")
    sc = d.scope(brand)
    assert sc.kind == "brand" and type(sc.kind) is str
    assert sc.parent is None
    assert "kind='brand'" in repr(sc)
    skill = d.create_scope(root, "skill_2", "French", parent=brand)
    assert d.scope(skill).kind == "skill_2" and d.child_scopes(brand) == [skill]
    # Allowed scopes by a tenant-defined kind: the superadministrator sees them all.
    assert d.allowed_scopes(root, "reports.view", kind="brand").is_all


@pytest.mark.parametrize("kind", ["Brand", "9lives", "", "x" * 25, "a-b", "bränd"])
def test_bad_kind_names_are_invalid_input(cc: Cc, kind: str) -> None:
    e = unchanged(cc.d, lambda: cc.d.create_scope(cc.root, kind, "X"), InvalidInputError)
    assert e.kind == "invalid_argument" and isinstance(e, ValueError)
    e = unchanged(cc.d, lambda: cc.d.allowed_scopes(cc.root, "reports.view", kind), ValueError)
    assert e.kind == "invalid_argument"


# ---------------- hierarchy ----------------


def test_parent_child_scopes_and_moves(cc: Cc) -> None:
    d, root, s = cc.d, cc.root, cc.s
    assert d.scope(s["sales"]).parent == s["lyon"] and d.scope(s["lyon"]).parent is None
    assert d.child_scopes(s["lyon"]) == [s["sales"], s["support"], s["spring"]]
    assert d.child_scopes(s["q_sales"]) == []
    assert repr(d.scope(s["sales"])).endswith(f"parent={s['lyon']})")
    # A parent given as the Scope record.
    q2 = d.create_scope(root, ScopeKind.QUEUE, "Sales DE", parent=d.scope(s["sales"]))
    assert d.scope(q2).parent == s["sales"]
    d.move_scope(root, s["sales"], s["paris"])
    assert d.scope(s["sales"]).parent == s["paris"]
    assert s["sales"] in d.child_scopes(s["paris"]) and s["sales"] not in d.child_scopes(s["lyon"])
    # The grant on Lyon no longer reaches Sales' queue.
    assert not d.check_scoped(cc.u["mia"], "campaigns.control", s["q_sales"])
    d.move_scope(root, s["sales"], None)
    assert d.scope(s["sales"]).parent is None
    d.move_scope(root, d.scope(s["sales"]), d.scope(s["lyon"]))
    assert d.scope(s["sales"]).parent == s["lyon"]
    assert d.check_scoped(cc.u["mia"], "campaigns.control", s["q_sales"])


def test_a_cycle_is_a_conflict(cc: Cc) -> None:
    d, root, s = cc.d, cc.root, cc.s
    for parent in (s["q_sales"], s["lyon"], s["sales"]):
        e = unchanged(d, lambda: d.move_scope(root, s["lyon"], parent), ConflictError)
        assert (e.code, e.kind) == (305, "scope_cycle")
        assert (e.scope, e.parent) == (s["lyon"], parent)


def test_deleting_a_scope_that_is_not_empty(cc: Cc) -> None:
    d, root, s, u = cc.d, cc.root, cc.s, cc.u
    e = unchanged(d, lambda: d.delete_scope(root, s["support"]), ConflictError)
    assert (e.code, e.kind) == (306, "scope_not_empty")
    assert (e.scope, e.children, e.members) == (s["support"], 1, 1)
    assert "Support" in str(e)
    d.delete_scope_moving(root, s["support"])
    with pytest.raises(NotFoundError):
        d.scope(s["support"])
    assert d.scope(s["q_support"]).parent == s["lyon"]  # its child moved up
    assert d.user(u["bob"]).teams == frozenset({s["lyon"]})  # its member joined the parent team
    assert d.user(u["sue"]).grants == frozenset()  # the grant for it ended
    # An empty scope is deleted outright.
    d.delete_scope(root, s["q_support"])
    assert s["q_support"] not in d.child_scopes(s["lyon"])


# ---------------- grants and teams ----------------


def test_scope_grant_record() -> None:
    g = ScopeGrant(3, 7)
    assert (g.role, g.scope) == (3, 7) and tuple(g) == (3, 7) and len(g) == 2
    role, scope = g
    assert (role, scope) == (3, 7)
    assert g == ScopeGrant(3, 7) and g != ScopeGrant(3, 8) and hash(g) == hash(ScopeGrant(3, 7))
    assert sorted([ScopeGrant(4, 1), ScopeGrant(3, 9), ScopeGrant(3, 2)]) == [
        ScopeGrant(3, 2), ScopeGrant(3, 9), ScopeGrant(4, 1)
    ]
    assert repr(g) == "ScopeGrant(role=3, scope=7)"
    assert g != (3, 7)  # a record, not a tuple


def test_grant_and_revoke_role_in_scope(cc: Cc) -> None:
    d, root, s, u, r = cc.d, cc.root, cc.s, cc.u, cc.roles
    sue = u["sue"]
    d.grant_role_in_scope(root, d.user(sue), d.role(r["Analyst"]), d.scope(s["sales"]))
    assert d.user(sue).grants == frozenset(
        {ScopeGrant(r["Supervisor"], s["support"]), ScopeGrant(r["Analyst"], s["sales"])}
    )
    assert d.check_scoped(sue, "reports.view", s["q_sales"])
    assert not d.check_scoped(sue, "campaigns.view", s["q_sales"])
    assert d.check_scoped(sue, "campaigns.view", s["q_support"])
    e = d.explain(sue, "reports.view")
    assert e.allowed
    assert sorted((g.role_name, g.scope) for g in e.grants) == [
        ("Analyst", s["sales"]), ("Supervisor", s["support"])
    ]
    assert "scope=" in repr(e.grants[0])
    # A role held for the whole tenant has no scope.
    assert [g.scope for g in d.explain(u["ann"], "campaigns.view").grants] == [None]
    d.revoke_role_in_scope(root, sue, r["Analyst"], s["sales"])
    assert d.user(sue).grants == frozenset({ScopeGrant(r["Supervisor"], s["support"])})
    assert not d.check_scoped(sue, "reports.view", s["q_sales"])
    # Revoking what is not granted does nothing.
    d.revoke_role_in_scope(root, sue, r["Analyst"], s["sales"])


def test_teams_and_team_members(cc: Cc) -> None:
    d, root, s, u = cc.d, cc.root, cc.s, cc.u
    assert d.team_members(s["sales"]) == [u["tom"], u["ann"]]
    assert d.user(u["ann"]).teams == frozenset({s["sales"]})
    d.set_user_teams(root, u["ann"], [s["sales"], d.scope(s["support"])])
    assert d.user(u["ann"]).teams == frozenset({s["sales"], s["support"]})
    assert u["ann"] in d.team_members(s["support"])
    d.set_user_teams(root, u["ann"], ())
    assert d.user(u["ann"]).teams == frozenset()
    assert d.team_members(s["q_sales"]) == []  # a queue has no members
    with pytest.raises(NotFoundError) as e:
        d.team_members(10**9)
    assert e.value.kind == "unknown_scope"
    with pytest.raises(NotFoundError):
        d.child_scopes(10**9)


def test_not_a_team_is_invalid_input(cc: Cc) -> None:
    d, root, s, u = cc.d, cc.root, cc.s, cc.u
    e = unchanged(d, lambda: d.set_user_teams(root, u["ann"], [s["q_sales"]]), InvalidInputError)
    assert (e.code, e.kind, e.scope) == (116, "not_a_team", s["q_sales"])
    e = unchanged(
        d,
        lambda: d.create_user(root, first_name="X", last_name="Y", email="x@cc.test",
                              teams=[s["spring"]]),
        InvalidInputError,
    )
    assert e.kind == "not_a_team"


def test_create_user_and_new_user_with_teams_and_grants(cc: Cc) -> None:
    d, root, s, r = cc.d, cc.root, cc.s, cc.roles
    nu = NewUser("Cat", "New", "cat@cc.test", teams=[s["sales"]],
                 grants=[(r["Analyst"], s["sales"]), ScopeGrant(r["Supervisor"], s["support"])])
    assert nu.teams == (s["sales"],)
    assert nu.grants == (ScopeGrant(r["Analyst"], s["sales"]),
                         ScopeGrant(r["Supervisor"], s["support"]))
    assert "teams=(" in repr(nu) and "ScopeGrant(" in repr(nu)
    cat, dan = d.create_users(root, [nu, {
        "first_name": "Dan", "last_name": "New", "email": "dan@cc.test",
        "teams": [s["support"]], "grants": [(d.role(r["Analyst"]), d.scope(s["spring"]))],
    }])
    assert d.user(cat).teams == frozenset({s["sales"]})
    assert d.user(cat).grants == frozenset(nu.grants)
    assert d.user(dan).grants == frozenset({ScopeGrant(r["Analyst"], s["spring"])})
    assert "teams=frozenset({" in repr(d.user(cat))
    eve = d.create_user(root, first_name="Eve", last_name="New", email="eve@cc.test",
                        teams=(s["psales"],), grants=iter([(r["Agent"], s["q_paris"])]))
    assert d.user(eve).teams == frozenset({s["psales"]})
    assert d.check_scoped(eve, "campaigns.view", s["q_paris"])
    assert not d.check_scoped(eve, "campaigns.view", s["q_sales"])


# ---------------- my team only ----------------


def test_check_user_and_snapshot(cc: Cc) -> None:
    d, root, u = cc.d, cc.root, cc.u
    assert d.check_user(u["tom"], "users.manage", u["ann"])
    assert not d.check_user(u["tom"], "users.manage", u["bob"])
    assert d.check_user(u["mia"], rolecall.Permission.USERS_MANAGE, d.user(u["bob"]))
    assert not d.check_user(u["mia"], "users.manage", u["pia"])
    assert d.check_user(root, "users.manage", u["pia"])
    assert not d.check_user(u["ann"], "users.view", u["ann"])
    assert not d.check_user(10**9, "users.view", u["ann"])  # unknown: False, no error
    snap = d.snapshot()
    assert snap.check_user(u["tom"], "users.manage", u["ann"])
    assert not snap.check_user(u["tom"], "users.manage", u["bob"])
    # The snapshot keeps its revision's answer.
    d.set_user_teams(root, u["bob"], [cc.s["sales"]])
    assert d.check_user(u["tom"], "users.manage", u["bob"])
    assert not snap.check_user(u["tom"], "users.manage", u["bob"])


def test_allowed_scopes_by_kind(cc: Cc) -> None:
    d, s, u = cc.d, cc.s, cc.u
    tom, mia = u["tom"], u["mia"]
    assert d.allowed_scopes(tom, "campaigns.control", kind=ScopeKind.QUEUE).scopes == {s["q_sales"]}
    assert d.allowed_scopes(tom, "campaigns.control", "queue").scopes == {s["q_sales"]}
    assert d.allowed_scopes(tom, "campaigns.control").scopes == {s["sales"], s["q_sales"]}
    assert d.allowed_scopes(mia, "campaigns.control", kind=ScopeKind.CAMPAIGN) == ScopeAccess.only(
        [s["spring"]]
    )
    assert d.allowed_scopes(mia, "campaigns.control", kind=ScopeKind.QUEUE).scopes == {
        s["q_sales"], s["q_support"]
    }
    # An unscoped role: every queue.
    assert d.allowed_scopes(u["ann"], "campaigns.view", kind=ScopeKind.QUEUE) == ScopeAccess.ALL
    assert d.allowed_scopes(u["pia"], "reports.view", kind=ScopeKind.QUEUE).is_none
    snap = d.snapshot()
    assert snap.allowed_scopes(tom, "campaigns.control", ScopeKind.QUEUE).scopes == {s["q_sales"]}
    assert snap.allowed_scopes(tom, "campaigns.control").scopes == {s["sales"], s["q_sales"]}
    with pytest.raises(NotFoundError):
        d.allowed_scopes(10**9, "campaigns.control", kind=ScopeKind.QUEUE)


def test_actor_aware_reads(cc: Cc, other_tenant_user: Callable[[Directory], int]) -> None:
    d, root, u = cc.d, cc.root, cc.u
    page = d.search_users_as(u["tom"])
    assert [x.id for x in page] == [u["tom"], u["ann"]] and page.total == 2
    assert [x.id for x in d.search_users_as(u["mia"], "agent")] == [u["ann"], u["bob"]]
    assert d.search_users_as(u["mia"], limit=1, offset=1).total == 3
    assert d.search_users_as(u["ann"]).total == 0
    assert d.search_users_as(root).total == 7
    assert d.user_as(u["tom"], u["ann"]).email == "ann@cc.test"
    e = unchanged(d, lambda: d.user_as(u["tom"], u["bob"]), PermissionDeniedError)
    assert (e.code, e.kind, e.user) == (407, "outside_teams", u["bob"])
    e = unchanged(d, lambda: d.user_as(u["ann"], u["bob"]), PermissionDeniedError)
    assert e.kind == "permission_denied"
    stranger = other_tenant_user(d)
    e = unchanged(d, lambda: d.user_as(u["tom"], stranger), NotFoundError)
    assert e.kind == "unknown_user"
    # The unchecked reads stay unchecked (trusted host code).
    assert d.user(u["bob"]).email == "bob@cc.test"
    assert d.search_users(cc.tenant).total == 7


@pytest.fixture
def other_tenant_user() -> Callable[[Directory], int]:
    def make(d: Directory) -> int:
        return d.create_tenant("Other", NewUser("Otto", "Other", "root@other.test")).superadmin

    return make


def test_outside_teams_is_a_permission_error(cc: Cc) -> None:
    d, s, u = cc.d, cc.s, cc.u
    tom = u["tom"]
    cases = [
        lambda: d.set_user_teams(tom, u["ann"], [s["support"]]),
        lambda: d.set_user_teams(tom, u["ann"], []),
        lambda: d.set_active(tom, u["bob"], False),
        lambda: d.create_user(tom, first_name="D", last_name="N", email="d@cc.test",
                              teams=[s["support"]]),
        lambda: d.create_user(tom, first_name="E", last_name="N", email="e@cc.test"),
    ]
    for call in cases:
        e = unchanged(d, call, PermissionDeniedError)
        assert (e.code, e.kind) == (407, "outside_teams"), e
    # Inside its team it may.
    cat = d.create_user(tom, first_name="Cat", last_name="N", email="cat@cc.test",
                        teams=[s["sales"]])
    d.grant_role_in_scope(tom, cat, cc.roles["Analyst"], s["sales"])
    e = unchanged(d, lambda: d.grant_role_in_scope(tom, cat, cc.roles["Analyst"], s["support"]),
                  rolecall.EscalationError)
    assert e.kind == "escalation"


# ---------------- wrong Python types ----------------


def test_wrong_types_are_type_errors(cc: Cc) -> None:
    d, root, s, u, r = cc.d, cc.root, cc.s, cc.u, cc.roles
    calls = [
        lambda: d.create_scope(root, 3, "X"),
        lambda: d.create_scope(root, None, "X"),
        lambda: d.create_scope(root, ScopeKind.TEAM, "X", "lyon"),
        lambda: d.create_scope(root, ScopeKind.TEAM, "X", parent=1.5),
        lambda: d.create_scope(root, ScopeKind.TEAM, "X", parent=True),
        lambda: d.create_scope(root, ScopeKind.TEAM, None),
        lambda: d.move_scope(root, s["sales"], "paris"),
        lambda: d.move_scope(root, s["sales"]),  # parent is required (None for a root)
        lambda: d.move_scope(root, None, s["paris"]),
        lambda: d.delete_scope_moving(root, "sales"),
        lambda: d.grant_role_in_scope(root, u["sue"], "Analyst", s["sales"]),
        lambda: d.grant_role_in_scope(root, u["sue"], r["Analyst"], [s["sales"]]),
        lambda: d.revoke_role_in_scope(root, u["sue"], r["Analyst"], None),
        lambda: d.set_user_teams(root, u["ann"], None),
        lambda: d.set_user_teams(root, u["ann"], "sales"),
        lambda: d.set_user_teams(root, u["ann"], [s["sales"], "x"]),
        lambda: d.team_members("sales"),
        lambda: d.child_scopes(None),
        lambda: d.check_user(u["tom"], "users.view", None),
        lambda: d.check_user(u["tom"], None, u["ann"]),
        lambda: d.snapshot().check_user("tom", "users.view", u["ann"]),
        lambda: d.allowed_scopes(u["tom"], "users.view", kind=2),
        lambda: d.snapshot().allowed_scopes(u["tom"], "users.view", kind=b"queue"),
        lambda: d.search_users_as("tom"),
        lambda: d.search_users_as(u["tom"], limit="10"),
        lambda: d.user_as(u["tom"], "ann"),
        lambda: d.create_user(root, first_name="A", last_name="B", email="a@cc.test", grants=[1]),
        lambda: d.create_user(root, first_name="A", last_name="B", email="a@cc.test",
                              grants=[(r["Agent"],)]),
        lambda: d.create_user(root, first_name="A", last_name="B", email="a@cc.test",
                              grants=[(r["Agent"], s["sales"], 1)]),
        lambda: d.create_user(root, first_name="A", last_name="B", email="a@cc.test",
                              grants=[[r["Agent"], s["sales"]]]),
        lambda: d.create_user(root, first_name="A", last_name="B", email="a@cc.test",
                              grants=[("Agent", s["sales"])]),
        lambda: d.create_user(root, first_name="A", last_name="B", email="a@cc.test",
                              teams="sales"),
        lambda: d.create_users(root, [{"first_name": "A", "last_name": "B",
                                       "email": "a@cc.test", "grants": 5}]),
        lambda: d.create_users(root, [{"first_name": "A", "last_name": "B",
                                       "email": "a@cc.test", "teams": [None]}]),
    ]
    for i, call in enumerate(calls):
        before = d.revision
        with pytest.raises(TypeError):
            call()
        assert d.revision == before, i
    for bad in (("a", 1), (1, None), (True, 1)):
        with pytest.raises(TypeError):
            ScopeGrant(*bad)
    with pytest.raises((TypeError, OverflowError)):
        ScopeGrant(-1, 1)
    with pytest.raises(TypeError):
        NewUser("A", "B", "a@cc.test", grants=[3])


# ---------------- the scenario: sites, teams, queues ----------------


def test_scenario_each_manager_sees_and_manages_exactly_their_part() -> None:
    """Two sites of two teams of two queues each; a site manager of site 0, a team lead of
    team 1 (site 0) and a supervisor of one queue of team 2 (site 1)."""
    d = Directory()
    t = d.create_tenant("Big Co", NewUser("Rita", "Root", "root@big.test"))
    root = t.superadmin
    roles = {n: d.create_role(root, name=n, permissions=p) for n, p in ROLES.items()}
    sites = [d.create_scope(root, ScopeKind.TEAM, f"Site {i}") for i in range(2)]
    teams = [d.create_scope(root, ScopeKind.TEAM, f"Team {i}", parent=sites[i // 2])
             for i in range(4)]
    queues = [d.create_scope(root, ScopeKind.QUEUE, f"Queue {i}", parent=teams[i // 2])
              for i in range(8)]
    agents = [
        d.create_user(root, first_name="Agent", last_name=f"{i}", email=f"agent{i}@big.test",
                      roles=[roles["Agent"]], teams=[teams[i % 4]])
        for i in range(12)
    ]
    by_team = {tm: [a for i, a in enumerate(agents) if i % 4 == k] for k, tm in enumerate(teams)}
    manager = d.create_user(root, first_name="Mia", last_name="Site", email="mia@big.test",
                            grants=[(roles["Site manager"], sites[0])])
    lead = d.create_user(root, first_name="Tom", last_name="Lead", email="tom@big.test",
                         teams=[teams[1]], grants=[(roles["Team lead"], teams[1])])
    supervisor = d.create_user(root, first_name="Sue", last_name="Visor", email="sue@big.test",
                               teams=[teams[2]], grants=[(roles["Supervisor"], queues[4])])

    def visible(actor: int) -> set:
        return {x.id for x in d.search_users_as(actor, limit=1000)}

    everyone = set(agents) | {root, manager, lead, supervisor}
    # Who each one sees: check_user and search_users_as agree.
    site0_people = set(by_team[teams[0]]) | set(by_team[teams[1]]) | {lead}
    assert visible(manager) == site0_people
    assert visible(lead) == set(by_team[teams[1]]) | {lead}
    assert visible(supervisor) == set()  # no users.view
    assert visible(root) == everyone
    for actor in (manager, lead, supervisor):
        seen = visible(actor)
        for target in everyone:
            assert d.check_user(actor, "users.view", target) == (target in seen)
    # Which queues each one holds campaigns.control / views on.
    assert d.allowed_scopes(manager, "campaigns.control", kind=ScopeKind.QUEUE).scopes == set(
        queues[:4]
    )
    assert d.allowed_scopes(lead, "campaigns.control", kind=ScopeKind.QUEUE).scopes == set(
        queues[2:4]
    )
    assert d.allowed_scopes(supervisor, "campaigns.view", kind=ScopeKind.QUEUE).scopes == {
        queues[4]
    }
    assert d.allowed_scopes(manager, "users.manage", kind=ScopeKind.TEAM).scopes == {
        sites[0], teams[0], teams[1]
    }
    assert d.allowed_scopes(agents[0], "campaigns.view", kind=ScopeKind.QUEUE).is_all
    # What each one manages.
    new = d.create_scope(manager, ScopeKind.QUEUE, "Queue new", parent=teams[0])
    assert d.scope(new).parent == teams[0]
    unchanged(d, lambda: d.create_scope(manager, ScopeKind.QUEUE, "X", parent=teams[2]),
              PermissionDeniedError)
    unchanged(d, lambda: d.create_scope(manager, ScopeKind.TEAM, "Root-level"),
              PermissionDeniedError)
    unchanged(d, lambda: d.create_scope(lead, ScopeKind.QUEUE, "X", parent=teams[1]),
              PermissionDeniedError)
    moved = by_team[teams[0]][0]
    d.set_user_teams(manager, moved, [teams[1]])  # within site 0
    assert moved in visible(lead)
    e = unchanged(d, lambda: d.set_user_teams(manager, moved, [teams[2]]), PermissionDeniedError)
    assert e.kind == "outside_teams"
    d.set_active(lead, moved, False)
    e = unchanged(d, lambda: d.set_active(lead, by_team[teams[0]][1], False),
                  PermissionDeniedError)
    assert e.kind == "outside_teams"
    assert d.user_as(lead, moved).active is False
    unchanged(d, lambda: d.user_as(supervisor, moved), PermissionDeniedError)
    # Moving team 1 to site 1 takes it (and its queues) from the site manager.
    d.move_scope(root, teams[1], sites[1])
    assert d.allowed_scopes(manager, "campaigns.control", kind=ScopeKind.QUEUE).scopes == set(
        queues[:2]
    ) | {new}
    assert not d.check_user(manager, "users.manage", lead)
    assert d.allowed_scopes(lead, "campaigns.control", kind=ScopeKind.QUEUE).scopes == set(
        queues[2:4]
    )


def test_scopes_grants_and_teams_survive_a_sqlite_reopen(tmp_path: Any) -> None:
    path = str(tmp_path / "cc.db")
    with Directory(path) as d:
        t = d.create_tenant("Co", NewUser("Rita", "Root", "root@co.test"))
        root = t.superadmin
        lead = d.create_role(root, name="Lead", permissions=["users.view", "reports.view"])
        site = d.create_scope(root, ScopeKind.TEAM, "Site")
        team = d.create_scope(root, ScopeKind.TEAM, "Team", parent=site)
        brand = d.create_scope(root, "brand", "Blue", parent=team)
        u = d.create_user(root, first_name="Tom", last_name="L", email="tom@co.test",
                          teams=[team], grants=[(lead, site)])
        before = (d.scope(brand), d.user(u))
    with Directory.open(path) as d:
        assert (d.scope(brand), d.user(u)) == before
        assert d.scope(brand).kind == "brand" and d.scope(brand).parent == team
        assert d.user(u).grants == frozenset({ScopeGrant(lead, site)})
        assert d.team_members(team) == [u] and d.child_scopes(site) == [team]
        assert d.check_user(u, "users.view", u) and d.check_scoped(u, "reports.view", brand)
