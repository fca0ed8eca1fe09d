"""The Python surface: enums, records, argument forms, pages, snapshots and batches."""

from __future__ import annotations

import array
import pickle

import pytest
from conftest import Acme

import rolecall
from rolecall import (
    AccessLevel,
    Directory,
    NewUser,
    Permission,
    Preset,
    Product,
    ScopeAccess,
    ScopeKind,
)

# ============================ Permission ============================


def test_permission_members_are_the_core_catalogue() -> None:
    catalogue = rolecall._rolecall.permission_catalogue()
    assert [m.name for m in Permission] == [konst for konst, _, _ in catalogue]
    assert [int(m) for m in Permission] == [bits for _, _, bits in catalogue]
    assert [m.dotted_name for m in Permission] == rolecall.permission_names()
    assert Permission.USERS_VIEW == 1
    # The catalogue crosses 64 bits: Python ints hold the core's u128 as is.
    assert int(Permission.AGREEMENTS_MANAGE) == 1 << 64


def test_permission_is_a_flag_enum() -> None:
    both = Permission.CAMPAIGNS_VIEW | Permission.SCRIPTS_VIEW
    assert isinstance(both, Permission) and isinstance(both, int)
    assert Permission.SCRIPTS_VIEW in both
    assert Permission.USERS_VIEW not in both
    assert both & Permission.SCRIPTS_VIEW == Permission.SCRIPTS_VIEW
    assert both.names() == ["campaigns.view", "scripts.view"]
    assert str(both) == "campaigns.view|scripts.view"
    assert f"{both}" == "campaigns.view|scripts.view"
    assert f"{Permission.CAMPAIGNS_VIEW:d}" == "256"
    assert both.dotted_name is None
    assert str(Permission(0)) == "(none)"
    assert pickle.loads(pickle.dumps(both)) == both
    assert pickle.loads(pickle.dumps(Permission.AGREEMENTS_MANAGE)) is Permission.AGREEMENTS_MANAGE


def test_permission_by_dotted_name() -> None:
    assert Permission("broadcasts.control") is Permission.BROADCASTS_CONTROL
    assert Permission.from_name("campaigns.view") is Permission.CAMPAIGNS_VIEW
    assert Permission.from_names(["campaigns.view", "scripts.view"]) == (
        Permission.CAMPAIGNS_VIEW | Permission.SCRIPTS_VIEW
    )
    assert Permission.from_names([]) == Permission(0)
    assert Permission.parse("campaigns.view|scripts.view") == Permission.from_names(
        ["campaigns.view", "scripts.view"]
    )
    assert Permission.parse(str(Permission.AGREEMENTS_MANAGE | Permission.USERS_VIEW)) == (
        Permission.AGREEMENTS_MANAGE | Permission.USERS_VIEW
    )
    for bad in ["campaigns.fly", "Campaigns.View", "", "campaigns.view|scripts.view"]:
        with pytest.raises(rolecall.UnknownPermissionError) as e:
            Permission(bad)
        assert isinstance(e.value, ValueError)
        assert (e.value.code, e.value.kind) == (103, "unknown_permission")
        with pytest.raises(rolecall.UnknownPermissionError):
            Permission.from_name(bad)


def test_every_api_taking_a_permission_takes_its_name_bits_or_member(acme: Acme) -> None:
    d, olga = acme.d, acme.user("Olga", "Operator")
    for p in [Permission.CAMPAIGNS_CONTROL, "campaigns.control", 1 << 10]:
        assert d.check(olga, p)
        assert d.explain(olga, p).allowed
        assert d.allowed_scopes(olga, p) == ScopeAccess.ALL
        assert olga in d.users_with_permission(acme.tenant, p)
        assert d.snapshot().check(olga, p)
    assert not d.check(olga, Permission.CAMPAIGNS_CONTROL | Permission.USERS_MANAGE)
    assert not d.check(olga, 0)  # the empty set is never held
    rid = d.create_role(acme.root, name="Mixed", permissions=["users.view", Permission.NUMBERS_VIEW])
    assert d.role(rid).permissions == Permission.USERS_VIEW | Permission.NUMBERS_VIEW
    d.update_role(acme.root, rid, permissions="reports.view")
    assert d.role(rid).permissions is Permission.REPORTS_VIEW
    d.update_role(acme.root, rid, permissions=Permission.USERS_VIEW | Permission.REPORTS_VIEW)
    assert d.role(rid).permissions.names() == ["users.view", "reports.view"]


# ============================ other enums ============================


def test_enums_come_from_the_core() -> None:
    native = rolecall._rolecall
    assert [p.value for p in Product] == native.products()
    assert [lvl.value for lvl in AccessLevel] == native.access_levels()
    assert [k.value for k in ScopeKind] == native.scope_kinds()
    assert [p.value for p in Preset] == native.presets()
    assert Product("virtual_pbx") is Product.VIRTUAL_PBX
    assert str(Product.VIRTUAL_PBX) == "virtual_pbx"
    assert Product.CONTACT_CENTER_AI.index == 6


def test_access_levels_are_ordered() -> None:
    levels = list(AccessLevel)
    assert levels == [
        AccessLevel.NO_ACCESS,
        AccessLevel.USER,
        AccessLevel.ADMINISTRATOR,
        AccessLevel.OWNER,
    ]
    assert AccessLevel.NO_ACCESS < AccessLevel.USER < AccessLevel.ADMINISTRATOR < AccessLevel.OWNER
    assert AccessLevel.OWNER >= AccessLevel.ADMINISTRATOR and AccessLevel.USER <= AccessLevel.USER
    assert sorted(reversed(levels)) == levels
    assert max(levels) is AccessLevel.OWNER
    with pytest.raises(TypeError):
        AccessLevel.USER < Product.CORE  # noqa: B015


def test_presets_list_their_roles() -> None:
    roles = Preset.DASHBOARD.roles()
    assert [r.name for r in roles] == ["Admin", "Supervisor", "Accountant", "Technical"]
    supervisor = roles[1]
    assert supervisor.scoped and not supervisor.admin_tier
    assert supervisor.permissions == Permission.from_names(
        [
            "dashboard.activity",
            "dashboard.logs",
            "dashboard.campaigns",
            "dashboard.analytics",
            "dashboard.tasks",
        ]
    )
    assert roles[2].permissions is Permission.DASHBOARD_BILLING
    assert len(Preset.ROLE_MODEL.roles()) == 11
    assert "PresetRole(name='Supervisor'" in repr(supervisor)


def test_presets_share_a_tenant_in_their_role_namespaces() -> None:
    d = Directory.in_memory()
    t = d.create_tenant(
        "Multi",
        NewUser("Ada", "Root", "root@multi.test"),
        presets=[Preset.MANAGERS, Preset.DASHBOARD, "role_model"],
    )
    assert len(t.roles) == 20
    with pytest.raises(rolecall.ConflictError) as e:
        d.role_by_name(t.tenant, "Admin")
    assert e.value.kind == "ambiguous_name" and e.value.code == 310
    assert e.value.namespaces == ["managers", "dashboard"]  # type: ignore[attr-defined]
    admin = d.role_by_name(t.tenant, "dashboard/admin")
    assert (admin.namespace, admin.preset, admin.name) == ("dashboard", Preset.DASHBOARD, "Admin")
    assert admin.qualified_name == "dashboard/Admin"
    assert "namespace='dashboard'" in repr(admin)
    assert d.role_in_namespace(t.tenant, Preset.MANAGERS, "ADMIN").namespace == "managers"
    assert d.role_in_namespace(t.tenant, "role_model", "operator").name == "OPERATOR"
    assert d.role_by_name(t.tenant, "Supervisor").namespace == "dashboard"
    night = d.create_role(t.superadmin, name="Night shift", permissions=["reports.view"])
    assert d.role_in_namespace(t.tenant, "custom", "night shift").id == night
    assert d.role(night).namespace == "custom" and d.role(night).preset is None
    with pytest.raises(rolecall.InvalidInputError) as e2:
        d.role_in_namespace(t.tenant, "Custom", "Night shift")
    assert e2.value.kind == "unknown_namespace"
    with pytest.raises(rolecall.NotFoundError):
        d.role_in_namespace(t.tenant, "custom", "Admin")


def test_enum_arguments_take_members_names_and_numbers(acme: Acme) -> None:
    d = acme.d
    owner = acme.user("Owen")
    uma = acme.user("Uma")
    ag = d.create_agreement(acme.root, "A-1", owner)
    d.set_access_level(owner, ag, uma, Product.TELEPHONY, AccessLevel.ADMINISTRATOR)
    d.set_access_level(owner, ag, uma, "chatbots", "user")
    d.set_access_level(owner, ag, uma, 2, 1)  # stable numbers: virtual_pbx, user
    assert d.access_level(ag, uma, Product.TELEPHONY) is AccessLevel.ADMINISTRATOR
    assert d.access_level(ag, uma, "chatbots") is AccessLevel.USER
    assert d.access_level(ag, uma, Product.VIRTUAL_PBX) is AccessLevel.USER
    assert d.access_level(ag, owner, 0) is AccessLevel.OWNER
    with pytest.raises(rolecall.InvalidInputError) as e:
        d.access_level(ag, uma, 7)
    assert e.value.kind == "unknown_product"
    with pytest.raises(rolecall.InvalidInputError) as e:
        d.set_access_level(owner, ag, uma, "core", 9)
    assert e.value.kind == "unknown_access_level"
    s1 = d.create_scope(acme.root, ScopeKind.IVR, "Main menu")
    s2 = d.create_scope(acme.root, "call_group", "Sales")
    assert d.scope(s1).kind is ScopeKind.IVR and d.scope(s2).kind is ScopeKind.CALL_GROUP
    with pytest.raises(TypeError):
        d.create_scope(acme.root, 0, "By number")  # scope kinds have no numbers
    bare = d.create_tenant("Bare", NewUser("B", "R", "root@bare.test"))
    assert len(d.install_preset(bare.superadmin, Preset.ROLE_MODEL)) == 11
    assert len(d.install_preset(bare.superadmin, "dashboard")) == 4


# ============================ records ============================


def test_records_are_frozen_comparable_and_readable(acme: Acme) -> None:
    d = acme.d
    olga = d.create_user(
        acme.root,
        first_name="Olga",
        last_name="Petrova",
        email="Olga@Acme.test",
        phone="+1 (212) 555-0199",
        roles=[acme.roles["Operator"]],
    )
    u = d.user(olga)
    assert (u.id, u.tenant, u.first_name, u.last_name) == (olga, acme.tenant, "Olga", "Petrova")
    assert (u.full_name, u.email, u.phone, u.active) == (
        "Olga Petrova",
        "Olga@Acme.test",
        "+12125550199",
        True,
    )
    assert u.roles == frozenset({acme.roles["Operator"]}) and u.scopes == frozenset()
    assert u.created_at > 1_600_000_000_000 and u.updated_at >= u.created_at
    assert u.last_login is None
    assert repr(u).startswith(f"User(id={olga}, tenant={acme.tenant}, first_name='Olga'")
    assert u == d.user(olga) and hash(u) == hash(d.user(olga))
    assert u != d.user(acme.root)
    assert len({u, d.user(olga), d.user(acme.root)}) == 2
    with pytest.raises(AttributeError):
        u.first_name = "Eve"  # type: ignore[misc]
    d.update_user(acme.root, olga, last_name="Ivanova")
    assert d.user(olga) != u  # a record is a value: it does not change under you

    role = d.role(acme.roles["Operator"])
    assert role.preset is Preset.MANAGERS and role.name == "Operator"
    assert not role.scoped and not role.admin_tier and role.description
    assert "Role(id=" in repr(role) and "preset=<Preset.MANAGERS" in repr(role)
    t = d.tenant(acme.tenant)
    assert (t.name, t.superadmin) == ("Acme", acme.root)
    assert d.tenants() == [t]
    assert repr(t).startswith("Tenant(id=")


def test_records_stand_in_for_ids(acme: Acme) -> None:
    d = acme.d
    operator = d.role_by_name(acme.tenant, "operator")
    root = d.user(acme.root)
    olga = d.create_user(root, first_name="Olga", last_name="P", email="o@acme.test", roles=[operator])
    g = d.create_group(root, "Team", [operator])
    d.add_member(root, d.group(g), d.user(olga))
    assert d.group_members(d.group(g)) == [olga]
    assert d.check(d.user(olga), "campaigns.control")
    with pytest.raises(TypeError, match="user id must be an int or a rolecall.User, not Role"):
        d.check(operator, "campaigns.view")
    with pytest.raises(TypeError, match="role id"):
        d.assign_role(root, olga, root)


def test_new_user_and_dict_superadmin() -> None:
    d = Directory()
    nu = NewUser("Ada", "Root", "ada@x.test", phone="+1 212 555 0100")
    assert (nu.first_name, nu.last_name, nu.email, nu.phone, nu.roles, nu.active) == (
        "Ada",
        "Root",
        "ada@x.test",
        "+1 212 555 0100",
        (),
        True,
    )
    assert nu == NewUser("Ada", "Root", "ada@x.test", phone="+1 212 555 0100")
    assert repr(nu).startswith("NewUser(first_name='Ada'")
    t1 = d.create_tenant("X", nu)
    assert d.user(t1.superadmin).phone == "+12125550100"
    t2 = d.create_tenant("Y", {"first_name": "Yan", "last_name": "Root", "email": "y@y.test"})
    assert t2.roles == () and d.tenant(t2.tenant).superadmin == t2.superadmin
    with pytest.raises(TypeError, match="unexpected NewUser field 'nickname'"):
        d.create_tenant("Z", {"first_name": "Z", "last_name": "R", "email": "z@z.test", "nickname": "x"})
    with pytest.raises(TypeError, match="missing NewUser field"):
        d.create_tenant("Z", {"first_name": "Z", "last_name": "R"})
    with pytest.raises(TypeError):
        d.create_tenant("Z", ("Z", "R", "z@z.test"))  # type: ignore[arg-type]
    assert d.revision == 2


def test_update_user_leaves_out_what_is_not_given(acme: Acme) -> None:
    d = acme.d
    pat = d.create_user(acme.root, first_name="Pat", last_name="Phone", email="pat@acme.test", phone="+1 212 555 0100")
    d.update_user(acme.root, pat, first_name="Patricia")
    assert (d.user(pat).first_name, d.user(pat).phone) == ("Patricia", "+12125550100")
    d.update_user(acme.root, pat, phone="+44 20 7946 0000")
    assert d.user(pat).phone == "+442079460000"
    d.update_user(acme.root, pat, phone=None)
    assert d.user(pat).phone is None and d.user(pat).first_name == "Patricia"
    rev = d.revision
    d.update_user(acme.root, pat)  # nothing to change: no new revision
    assert d.revision == rev


def test_search_pages(acme: Acme) -> None:
    d = acme.d
    ids = [acme.user(f"User{i:02}") for i in range(7)]
    acme.d.set_active(acme.root, ids[0], False)
    page = d.search_users(acme.tenant, "user", limit=3)
    assert (page.total, page.offset, len(page)) == (7, 0, 3)
    assert [u.id for u in page] == ids[:3] and page.items == tuple(page)
    page2 = d.search_users(acme.tenant, "USER", offset=6, limit=3)
    assert [u.id for u in page2] == ids[6:]
    assert d.search_users(acme.tenant, "user", active_only=True).total == 6
    assert d.search_users(acme.tenant).total == 8
    assert d.search_users(acme.tenant, "   ").total == 8
    assert "Page(items=(User(" in repr(page)
    assert page == d.search_users(acme.tenant, "user", limit=3)


def test_scope_access(d: Directory) -> None:
    t = d.create_tenant("Dash", NewUser("Ada", "Root", "root@dash.test"), presets=[Preset.DASHBOARD])
    acme = Acme(d, t.tenant, t.superadmin, {})
    sales = d.create_scope(acme.root, "call_group", "Sales")
    support = d.create_scope(acme.root, "call_group", "Support")
    sam = d.create_user(
        acme.root,
        first_name="Sam",
        last_name="Hill",
        email="sam@acme.test",
        roles=[d.role_by_name(acme.tenant, "Supervisor")],
    )
    d.assign_scope(acme.root, sam, sales)
    access = d.allowed_scopes(sam, "dashboard.analytics")
    assert access == ScopeAccess.only([sales]) and access != ScopeAccess.ALL
    assert not access.is_all and access.scopes == frozenset({sales})
    assert sales in access and support not in access and access.allows(d.scope(sales))
    # One shape: is_all and is_none are both properties, as in every binding.
    assert access.is_none is False and repr(access) == f"ScopeAccess.only([{sales}])"
    none = d.allowed_scopes(sam, "dashboard.billing")
    assert none.is_none is True and none.scopes == frozenset() and none == ScopeAccess.only([])
    all_ = d.allowed_scopes(acme.root, "dashboard.analytics")
    assert all_.is_all is True and all_.is_none is False and support in all_
    # "All" has no explicit set: never a None that reads like "no scopes".
    with pytest.raises(rolecall.InvalidInputError, match="test is_all first"):
        all_.scopes
    assert repr(all_) == "ScopeAccess.ALL" and hash(all_) == hash(ScopeAccess.ALL)
    assert ScopeAccess.only([3, 1, 3]) == ScopeAccess.only([1, 3])


def test_explanation(acme: Acme) -> None:
    d = acme.d
    olga = acme.user("Olga", "Viewer")
    g = d.create_group(acme.root, "Ops", [acme.roles["Operator"]])
    d.add_member(acme.root, g, olga)
    e = d.explain(olga, "scripts.view")
    assert e and e.allowed and not e.superadmin and not e.inactive and e.user == olga
    assert e.permission is Permission.SCRIPTS_VIEW
    assert [(x.role_name, x.via_group) for x in e.grants] == [("Viewer", None), ("Operator", g)]
    assert {x.role_namespace for x in e.grants} == {"managers"}
    assert all(x.grants is Permission.SCRIPTS_VIEW and not x.scoped for x in e.grants)
    assert "Grant(role=" in repr(e.grants[0])
    no = d.explain(olga, Permission.USERS_MANAGE)
    assert not no and no.grants == ()
    root = d.explain(acme.root, "users.manage")
    assert root.allowed and root.superadmin
    with pytest.raises(rolecall.InvalidInputError) as exc:
        d.explain(olga, 0)
    assert exc.value.kind == "empty_permission"


def test_snapshot_is_one_revision(acme: Acme) -> None:
    d = acme.d
    olga = acme.user("Olga", "Operator")
    snap = d.snapshot()
    assert snap.revision == d.revision and repr(snap) == f"Snapshot(revision={d.revision})"
    d.assign_role(acme.root, olga, acme.roles["Manager"])
    assert d.check(olga, "users.view") and not snap.check(olga, "users.view")
    assert snap.revision == d.revision - 1
    assert snap.effective_permissions(olga) == d.role(acme.roles["Operator"]).permissions
    assert snap.allowed_scopes(olga, "campaigns.view").is_all
    assert snap.users_with_permission(acme.tenant, "campaigns.control") == [acme.root, olga]
    assert d.snapshot().check(olga, "users.view")
    with pytest.raises(rolecall.NotFoundError):
        snap.effective_permissions(999)
    # At least one chunk of 1,024 user slots, 12 bytes each (profile index and stamp).
    assert snap.memory_bytes() >= 1024 * 12


# ============================ batches ============================


def test_check_many_shapes(acme: Acme) -> None:
    d = acme.d
    olga = acme.user("Olga", "Operator")
    vera = acme.user("Vera", "Viewer")
    users = [acme.root, olga, vera, 42424]
    want = [True, True, False, False]
    p = Permission.CAMPAIGNS_CONTROL
    assert d.check_many(users, p) == want
    assert d.check_many(tuple(users), "campaigns.control") == want
    assert d.check_many(iter(users), p) == want
    assert d.check_many(array.array("Q", users), p) == want
    assert d.check_many(array.array("i", users), p) == want
    assert d.check_many(array.array("H", users), p) == want
    assert d.check_many(memoryview(array.array("q", users)), p) == want
    assert d.check_many(range(1, 4), p) == [True, True, False]
    assert d.check_many(users, p, as_bytes=True) == bytes(want)
    assert d.check_many([], p) == [] and d.check_many([], []) == []
    per = ["campaigns.control", Permission.USERS_MANAGE, "reports.view", "reports.view"]
    assert d.check_many(users, per) == [True, False, True, False]
    assert d.check_many(users, array.array("Q", [1 << 10, 2, 1 << 17, 1 << 17])) == [
        True,
        False,
        True,
        False,
    ]
    assert d.snapshot().check_many(users, p) == want
    assert d.check_many([d.user(olga)], p) == [True]
    big = list(range(10_000))
    assert d.check_many(big, p) == [d.check(u, p) for u in big]
    with pytest.raises(rolecall.InvalidInputError, match="2 permissions for 4 users"):
        d.check_many(users, per[:2])
    with pytest.raises(TypeError):
        d.check_many("1234", p)
    with pytest.raises(TypeError):
        d.check_many(array.array("d", [1.0]), p)
    with pytest.raises(OverflowError):
        d.check_many(array.array("q", [-1]), p)
    with pytest.raises(TypeError):
        d.check_many([1.5], p)
    with pytest.raises(rolecall.UnknownPermissionError):
        d.check_many(users, "campaigns.fly")
    with pytest.raises(TypeError):
        d.check_many(users, None)  # type: ignore[arg-type]


def test_check_many_numpy(acme: Acme) -> None:
    np = pytest.importorskip("numpy")
    olga = acme.user("Olga", "Operator")
    ids = np.array([acme.root, olga, 99], dtype=np.uint64)
    assert acme.d.check(ids[1], "campaigns.control")  # NumPy integers are ids (__index__)
    assert acme.d.user(np.int32(olga)).id == olga
    assert acme.d.check_many(ids, "campaigns.control") == [True, True, False]
    out = np.frombuffer(acme.d.check_many(ids, "campaigns.control", as_bytes=True), dtype=bool)
    assert out.tolist() == [True, True, False]


def test_directory_repr_and_revision() -> None:
    d = Directory.in_memory()
    assert repr(d) == "Directory(path=None, revision=0)" and d.path is None
    d.create_tenant("T", NewUser("A", "B", "a@t.test"))
    assert d.revision == 1 and d.refresh() == 1


def test_create_users_is_one_atomic_import(acme: Acme) -> None:
    d = acme.d
    viewer = acme.roles["Viewer"]
    rev = d.revision
    ids = d.create_users(
        acme.root,
        [
            NewUser("Ann", "One", "ann@acme.test", roles=[viewer]),
            {"first_name": "Bob", "last_name": "Two", "email": "bob@acme.test", "phone": None},
            NewUser("Cid", "Three", "cid@acme.test", active=False),
        ],
    )
    assert len(ids) == 3 and d.revision == rev + 1
    assert [d.user(u).first_name for u in ids] == ["Ann", "Bob", "Cid"]
    assert d.check(ids[0], "campaigns.view") and not d.user(ids[2]).active
    # One refused user: nobody is created.
    before = d.revision
    with pytest.raises(rolecall.ConflictError):
        d.create_users(acme.root, [NewUser("Dan", "F", "dan@acme.test"),
                                   NewUser("Ann", "Again", "ANN@acme.test")])
    with pytest.raises(rolecall.PermissionDeniedError):
        d.create_users(ids[0], [NewUser("Eve", "G", "eve@acme.test")])
    with pytest.raises(TypeError):
        d.create_users(acme.root, NewUser("Fay", "H", "fay@acme.test"))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        d.create_users(acme.root, ["fay@acme.test"])  # type: ignore[list-item]
    assert d.revision == before and d.search_users(acme.tenant, "dan").total == 0
    assert d.create_users(acme.root, []) == [] and d.revision == before


# ============================ bulk building ============================


def test_users_created_with_groups_and_call_groups_and_many_members_at_once(acme: Acme) -> None:
    d = acme.d
    ops = d.create_group(acme.root, "Ops", [acme.roles["Operator"]])
    north = d.create_scope(acme.root, "call_group", "North")
    nu = NewUser("Nina", "New", "nina@acme.test", groups=[d.group(ops)], scopes=[north])
    assert nu.groups == (ops,) and nu.scopes == (north,)
    assert "groups=(" in repr(nu) and "scopes=(" in repr(nu)
    before = d.revision
    nina = d.create_users(acme.root, [nu, {"first_name": "Al", "last_name": "B",
                                           "email": "al@acme.test", "groups": [ops]}])
    assert d.revision == before + 1
    assert d.group_members(ops) == nina
    assert d.user(nina[0]).scopes == frozenset({north})
    olga = d.create_user(acme.root, first_name="Olga", last_name="P", email="olga@acme.test",
                         groups=[ops], scopes=[north])
    assert d.check(olga, Permission.CAMPAIGNS_CONTROL)
    # Many at once: one commit; repeats and members already in are skipped; a refusal
    # (here an unknown user) changes nothing.
    a, b = acme.user("Amy"), acme.user("Bob")
    rev = d.revision
    with pytest.raises(rolecall.NotFoundError):
        d.add_members(acme.root, ops, [a, 999_999, b])
    assert d.revision == rev and not d.check(a, Permission.CAMPAIGNS_CONTROL)
    d.add_members(acme.root, ops, (u for u in [a, d.user(b), a, olga]))
    assert d.revision == rev + 1
    assert d.check(b, Permission.CAMPAIGNS_CONTROL)
    viewer = acme.user("Vic", "Viewer")
    with pytest.raises(rolecall.PermissionDeniedError):
        d.add_members(viewer, ops, [a])
    with pytest.raises(TypeError):
        d.add_members(acme.root, ops, "not users")
