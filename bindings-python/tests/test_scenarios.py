"""The five source pages, end to end from Python: every rule is decided by the core, these tests
only drive it the way an admin tool written in Python would."""

from __future__ import annotations

import pytest

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

P = Permission


def _names(p: Permission) -> set[str]:
    return set(p.names())


# ============================ 000 Managers ============================


def test_000_preset_roles_have_exactly_the_rights_of_the_source() -> None:
    d = Directory()
    t = d.create_tenant("Acme", NewUser("Ada", "Root", "root@acme.test"), presets=[Preset.MANAGERS])
    expected = {
        "Admin": "users.view users.manage campaigns.view campaigns.manage campaigns.control "
        "scripts.view scripts.edit numbers.view numbers.manage billing.view billing.manage "
        "reports.view settings.manage",
        "Manager": "users.view campaigns.view campaigns.manage campaigns.control scripts.view "
        "scripts.edit numbers.view numbers.manage reports.view",
        "Operator": "campaigns.view campaigns.control scripts.view numbers.view reports.view",
        "Viewer": "campaigns.view scripts.view numbers.view reports.view",
        "Service": "scripts.view scripts.edit billing.view billing.manage api.access system.admin",
    }
    roles = d.roles(t.tenant)
    assert [r.name for r in roles] == list(expected)
    for role in roles:
        assert _names(role.permissions) == set(expected[role.name].split()), role.name
        uid = d.create_user(
            t.superadmin,
            first_name=role.name,
            last_name="Holder",
            email=f"{role.name.lower()}@acme.test",
            roles=[role],
        )
        # The holder can do exactly what the role grants, and nothing else.
        for p in Permission:
            assert d.check(uid, p) == (p in role.permissions), (role.name, p)
        assert d.effective_permissions(uid) == role.permissions
    assert [r.admin_tier for r in roles] == [True, False, False, False, False]


def test_000_user_administration() -> None:
    d = Directory()
    t = d.create_tenant("Acme", NewUser("Ada", "Root", "root@acme.test"), presets=["managers"])
    root = t.superadmin
    role = {r.name: r.id for r in d.roles(t.tenant)}
    alice = d.create_user(root, first_name="Alice", last_name="Leader", email="alice@acme.test",
                          phone="+1 (212) 555-0101", roles=[role["Admin"]])
    olga = d.create_user(alice, first_name="Olga", last_name="Petrova", email="olga@acme.test",
                         phone="+7 800 555-35-35", roles=[role["Operator"], role["Viewer"]])
    max_ = d.create_user(alice, first_name="Max", last_name="Miller", email="max@acme.test",
                         roles=[role["Manager"]])

    # Only a holder of user management creates, edits or deletes users.
    for attempt in (
        lambda: d.create_user(olga, first_name="Eve", last_name="Doe", email="eve@acme.test"),
        lambda: d.update_user(max_, olga, first_name="Olya"),
        lambda: d.delete_user(max_, olga),
        lambda: d.assign_role(olga, olga, role["Manager"]),
    ):
        before = d.revision
        with pytest.raises(rolecall.PermissionDeniedError) as e:
            attempt()
        assert e.value.code // 100 == 4 and d.revision == before

    # Search by name, email or phone (in any formatting), case-insensitively.
    assert [u.id for u in d.search_users(t.tenant, "PETROVA")] == [olga]
    assert [u.id for u in d.search_users(t.tenant, "max@")] == [max_]
    assert [u.id for u in d.search_users(t.tenant, "555-35")] == [olga]
    assert [u.id for u in d.search_users(t.tenant, "miller max")] == [max_]

    # Changing the email: the user then logs in (is found) by the new one.
    d.update_user(alice, max_, email="MAX.M@acme.test")
    assert d.user_by_email(t.tenant, "max.m@acme.TEST").id == max_
    with pytest.raises(rolecall.NotFoundError):
        d.user_by_email(t.tenant, "max@acme.test")
    with pytest.raises(rolecall.ConflictError) as dup:
        d.update_user(alice, olga, email="Max.M@Acme.test")
    assert dup.value.kind == "duplicate_email"

    # No escalation: an administrator grants only what it holds (not Service's rights).
    with pytest.raises(rolecall.EscalationError) as esc:
        d.assign_role(alice, olga, role["Service"])
    assert esc.value.kind == "escalation" and isinstance(esc.value, rolecall.PermissionDeniedError)
    # The Admin role is administrator-tier: only the superadministrator grants it, and an
    # administrator cannot change another administrator.
    with pytest.raises(rolecall.PermissionDeniedError) as e:
        d.assign_role(alice, max_, role["Admin"])
    assert e.value.kind == "superadmin_only"
    d.assign_role(root, max_, role["Admin"])
    with pytest.raises(rolecall.PermissionDeniedError) as e:
        d.update_user(alice, max_, first_name="Maxim")
    assert e.value.kind == "administrator_protected"
    # The superadministrator always exists and holds every right.
    for attempt in (lambda: d.delete_user(alice, root), lambda: d.set_active(root, root, False)):
        with pytest.raises(rolecall.PermissionDeniedError):
            attempt()
    assert all(d.check(root, p) for p in Permission)

    d.delete_user(alice, olga)
    with pytest.raises(rolecall.NotFoundError):
        d.user(olga)
    assert not d.check(olga, "campaigns.view")


# ============================ 001 Role model ============================


def test_001_several_roles_active_switch_and_filters() -> None:
    d = Directory()
    t = d.create_tenant("Bots", NewUser("Rob", "Root", "root@bots.test"), presets=[Preset.ROLE_MODEL])
    root = t.superadmin
    roles = {r.name: r for r in d.roles(t.tenant)}
    assert list(roles) == [r.name for r in Preset.ROLE_MODEL.roles()]
    assert len(roles) == 11 and roles["INITIAL"].permissions == P(0)
    assert roles["DIALER_VERIFIED"].permissions.names() == ["broadcasts.control"]
    assert roles["RAWLOGS_ANALYTIC"].permissions is P.RAWLOGS_DOWNLOAD

    dan = d.create_user(root, first_name="Dan", last_name="Dialer", email="dan@bots.test",
                        roles=[roles["DIALER_USER"], roles["DIALER_VERIFIED"]])
    assert d.check(dan, P.BROADCASTS_VIEW) and d.check(dan, P.BROADCASTS_CONTROL)
    assert not d.check(dan, P.BROADCASTS_CREATE)
    assert d.effective_permissions(dan) == roles["DIALER_USER"].permissions | P.BROADCASTS_CONTROL

    # Inactive: no permission at all, even with the right roles.
    d.set_active(root, dan, False)
    assert not d.check(dan, P.BROADCASTS_VIEW) and d.effective_permissions(dan) == P(0)
    assert d.explain(dan, "broadcasts.view").inactive
    inactive = d.create_user(root, first_name="Ina", last_name="Off", email="ina@bots.test",
                             roles=[roles["USER"]], active=False)
    assert [u.id for u in d.search_users(t.tenant, "bots.test", active_only=True)] == [root]
    assert d.search_users(t.tenant, "bots.test").total == 3
    d.set_active(root, dan, True)
    assert d.check(dan, "broadcasts.control")
    assert not d.user(inactive).active

    # A user may change its own profile with profile.edit.
    ann = d.create_user(root, first_name="Ann", last_name="Analyst", email="ann@bots.test",
                        roles=[roles["ANALYST"]])
    d.update_user(ann, ann, last_name="Analytics")
    assert d.user(ann).last_name == "Analytics"
    with pytest.raises(rolecall.PermissionDeniedError):
        d.update_user(ann, dan, last_name="X")

    # Custom roles beside the preset.
    custom = d.create_role(root, name="Broadcaster", permissions=["broadcasts.view", "broadcasts.create"],
                           description="creates voice broadcasts")
    d.assign_role(root, dan, custom)
    assert d.check(dan, P.BROADCASTS_CREATE)
    with pytest.raises(rolecall.PermissionDeniedError) as e:
        d.update_role(root, roles["USER"].id, name="EVERYONE")
    assert e.value.kind == "builtin_role"


# ============================ 002 Agreements ============================


def test_002_agreement_levels_ownership_and_pbx() -> None:
    d = Directory()
    t = d.create_tenant("Co", NewUser("Cora", "Root", "root@co.test"), presets=[Preset.MANAGERS])
    root = t.superadmin

    def mk(name: str) -> int:
        return d.create_user(root, first_name=name, last_name="X", email=f"{name}@co.test")

    owen, ada, uma, nora = mk("owen"), mk("ada"), mk("uma"), mk("nora")
    ag = d.create_agreement(root, "Agreement No. 1", owen)
    assert d.agreement(ag).owner == owen and d.agreements(t.tenant) == [d.agreement(ag)]
    assert all(d.access_level(ag, owen, p) is AccessLevel.OWNER for p in Product)
    assert d.access_level(ag, ada, Product.CORE) is AccessLevel.NO_ACCESS

    d.set_access_level(owen, ag, ada, Product.CORE, AccessLevel.ADMINISTRATOR)
    d.set_access_level(owen, ag, ada, Product.VIRTUAL_PBX, AccessLevel.USER)
    d.set_access_level(ada, ag, uma, Product.CORE, AccessLevel.USER)
    # Only Administrator or Owner on System (CORE) changes levels.
    with pytest.raises(rolecall.PermissionDeniedError) as e:
        d.set_access_level(uma, ag, nora, Product.TELEPHONY, AccessLevel.USER)
    assert e.value.kind == "agreement_admin_required"
    # An Administrator cannot set No access, nor grant Owner, nor touch the Owner.
    for level, who, kind in [
        (AccessLevel.NO_ACCESS, uma, "level_not_grantable"),
        (AccessLevel.OWNER, uma, "level_not_grantable"),
        (AccessLevel.USER, owen, "owner_protected"),
    ]:
        with pytest.raises(rolecall.PermissionDeniedError) as e:
            d.set_access_level(ada, ag, who, Product.CORE, level)
        assert e.value.kind == kind
    # The Owner may set No access.
    d.set_access_level(owen, ag, uma, Product.CORE, AccessLevel.NO_ACCESS)
    assert d.access_level(ag, uma, "core") is AccessLevel.NO_ACCESS

    # PBX subscriber link: recordings and click-to-call with at least User on Virtual PBX.
    d.link_pbx_subscriber(owen, ag, ada, "101")
    assert d.pbx_subscriber(ag, ada) == "101"
    assert d.may_listen_recordings(ag, ada, "101") and d.may_click_to_call(ag, ada, "101")
    assert not d.may_listen_recordings(ag, ada, "102")
    d.set_access_level(owen, ag, ada, Product.VIRTUAL_PBX, AccessLevel.NO_ACCESS)
    assert not d.may_click_to_call(ag, ada, "101")
    d.link_pbx_subscriber(owen, ag, ada, None)
    assert d.pbx_subscriber(ag, ada) is None

    # Ownership: only the Owner transfers it; the former Owner becomes Administrator.
    with pytest.raises(rolecall.PermissionDeniedError) as e:
        d.transfer_ownership(ada, ag, ada)
    assert e.value.kind == "not_owner"
    with pytest.raises(rolecall.ConflictError) as c:
        d.delete_user(root, owen)
    assert c.value.kind == "user_owns_agreement"
    d.transfer_ownership(owen, ag, nora)
    assert d.access_level(ag, nora, Product.CHATBOTS) is AccessLevel.OWNER
    assert d.access_level(ag, owen, Product.CHATBOTS) is AccessLevel.ADMINISTRATOR
    assert d.snapshot().may_use_subscriber(ag, ada, "101") is False


# ============================ 003 Dashboard ============================


def test_003_dashboard_roles_and_scopes() -> None:
    d = Directory()
    t = d.create_tenant("Dash", NewUser("Sue", "Root", "root@dash.test"), presets=[Preset.DASHBOARD])
    root = t.superadmin
    role = {r.name: r.id for r in d.roles(t.tenant)}
    sales = d.create_scope(root, ScopeKind.CALL_GROUP, "Sales")
    support = d.create_scope(root, ScopeKind.CALL_GROUP, "Support")
    menu = d.create_scope(root, ScopeKind.IVR, "Main menu")
    assert [s.name for s in d.scopes(t.tenant)] == ["Sales", "Support", "Main menu"]

    def mk(name: str, *roles: str) -> int:
        return d.create_user(root, first_name=name, last_name="X", email=f"{name}@dash.test",
                             roles=[role[r] for r in roles])

    admin, sam, acc, tech, nobody = mk("adm", "Admin"), mk("sam", "Supervisor"), mk(
        "acc", "Accountant"), mk("tech", "Technical"), mk("nobody")
    d.set_user_scopes(root, sam, [sales, menu])

    # Supervisor: only Activity, Logs, Campaigns, Analytics and Task management, and only on
    # the call groups / IVRs authorised for the user.
    supervisor_pages = [P.DASHBOARD_ACTIVITY, P.DASHBOARD_LOGS, P.DASHBOARD_CAMPAIGNS,
                        P.DASHBOARD_ANALYTICS, P.DASHBOARD_TASKS]
    for p in supervisor_pages:
        assert d.check(sam, p)
        assert d.check_scoped(sam, p, sales) and d.check_scoped(sam, p, menu)
        assert not d.check_scoped(sam, p, support)
        assert d.allowed_scopes(sam, p) == ScopeAccess.only([sales, menu])
    assert not d.check(sam, P.DASHBOARD_BILLING) and not d.check(sam, P.DASHBOARD_USERS)
    assert d.users_with_permission(t.tenant, "dashboard.logs", support) == [root, admin]
    assert d.users_with_permission(t.tenant, "dashboard.logs", sales) == [root, admin, sam]

    # Admin: full access, no scope restriction.
    assert d.allowed_scopes(admin, P.DASHBOARD_LOGS) == ScopeAccess.ALL
    assert d.check_scoped(admin, P.DASHBOARD_LOGS, support)
    # Accountant: only Credits and billing.
    assert d.effective_permissions(acc) is P.DASHBOARD_BILLING
    # Technical: Configuration, Developer and Integrations pages.
    for name in ["users", "numbers", "ivrs", "call_tags", "snoozes", "blocked_numbers",
                 "contacts", "dev", "integrations", "action_logs", "brands", "other"]:
        assert d.check(tech, f"dashboard.{name}"), name
    assert not d.check(tech, P.DASHBOARD_BILLING) and not d.check(tech, P.DASHBOARD_LOGS)
    # No role: no dashboard access.
    assert not any(d.check(nobody, p) for p in Permission)

    # Only the superadministrator grants Admin; an administrator cannot modify another one.
    with pytest.raises(rolecall.PermissionDeniedError) as e:
        d.assign_role(admin, tech, role["Admin"])
    assert e.value.kind == "superadmin_only"
    admin2 = mk("adm2", "Admin")
    with pytest.raises(rolecall.PermissionDeniedError) as e:
        d.revoke_role(admin, admin2, role["Admin"])
    assert (e.value.code, e.value.kind) == (404, "administrator_protected")
    with pytest.raises(rolecall.PermissionDeniedError) as e:
        d.assign_role(admin, admin2, role["Technical"])
    assert e.value.kind == "administrator_protected"
    # Scope changes take effect at the next check.
    d.unassign_scope(root, sam, sales)
    assert not d.check_scoped(sam, P.DASHBOARD_LOGS, sales)
    d.delete_scope(root, menu)
    assert d.allowed_scopes(sam, P.DASHBOARD_LOGS).is_none


# ============================ 004 Groups ============================


def test_004_groups_carry_roles() -> None:
    d = Directory()
    t = d.create_tenant("CC", NewUser("Rita", "Root", "root@cc.test"), presets=[Preset.MANAGERS])
    root = t.superadmin
    role = {r.name: r.id for r in d.roles(t.tenant)}

    def mk(name: str) -> int:
        return d.create_user(root, first_name=name, last_name="X", email=f"{name}@cc.test")

    ivan, olga, petr = mk("ivan"), mk("olga"), mk("petr")
    ops = d.create_group(root, "Operators", [role["Operator"]])
    fin = d.create_group(root, "Finance", [role["Service"]])
    with pytest.raises(rolecall.ConflictError):
        d.create_group(root, "OPERATORS")
    with pytest.raises(rolecall.PermissionDeniedError):
        d.create_group(ivan, "Mine")

    assert not d.check(ivan, P.CAMPAIGNS_CONTROL)
    d.add_member(root, ops, ivan)
    assert d.check(ivan, P.CAMPAIGNS_CONTROL)  # the very next check
    d.add_member(root, ops, olga)
    d.add_member(root, fin, olga)
    assert d.group_members(ops) == [ivan, olga]
    assert d.user_groups(olga) == [ops, fin]
    assert d.group_permissions(ops) == d.role(role["Operator"]).permissions
    assert d.effective_permissions(olga) == (
        d.role(role["Operator"]).permissions | d.role(role["Service"]).permissions
    )
    # Editing: rename, add / remove roles; members follow at once.
    d.rename_group(root, ops, "Call operators")
    assert d.group_by_name(t.tenant, "call OPERATORS").id == ops
    d.add_group_role(root, ops, role["Viewer"])
    assert d.group(ops).roles == frozenset({role["Operator"], role["Viewer"]})
    d.remove_group_role(root, ops, role["Operator"])
    assert not d.check(ivan, P.CAMPAIGNS_CONTROL) and d.check(ivan, P.CAMPAIGNS_VIEW)
    assert [g.name for g in d.groups(t.tenant)] == ["Call operators", "Finance"]

    # A group that is some member's only group cannot be deleted.
    with pytest.raises(rolecall.ConflictError) as e:
        d.delete_group(root, ops)
    assert e.value.kind == "group_is_only_group"
    # The message names the group and the member; the ids stay available as attributes.
    first = d.group_members(ops)[0]
    assert e.value.message == (
        f'group "Call operators" cannot be deleted: it is the only group of member {d.user(first).email}'
    )
    assert (e.value.group, e.value.user) == (ops, first)  # type: ignore[attr-defined]
    d.add_member(root, fin, ivan)
    d.delete_group(root, ops)
    assert d.user_groups(ivan) == [fin] and not d.check(ivan, P.CAMPAIGNS_VIEW)
    d.remove_member(root, fin, olga)
    assert d.group_members(fin) == [ivan] and d.user_groups(olga) == []
    assert d.effective_permissions(olga) == P(0) and d.user_groups(petr) == []
