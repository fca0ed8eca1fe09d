"""Quickstart: a call-center directory on SQLite, driven from Python through the rules of the
five source pages. Every rule is decided by the Rust core; Python only asks.

Run: python examples/python/quickstart.py [path/to/directory.db]
(after `pip install ./bindings-python`).
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading

import rolecall
from rolecall import AccessLevel, Directory, NewUser, Permission, Preset, Product, ScopeKind


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        tempfile.gettempdir(), f"rolecall-quickstart-{os.getpid()}.db"
    )
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    print(f"directory file: {path}")
    d = Directory(path)  # SQLite, created on first use; Directory() keeps it in memory

    # 000 Managers: users with roles; the Operator may start campaigns but not manage users.
    acme = d.create_tenant(
        "Acme Calls", NewUser("Ada", "Root", "ada@acme.test"), presets=[Preset.MANAGERS]
    )
    root = acme.superadmin
    role = {r.name: r.id for r in d.roles(acme.tenant)}
    olga = d.create_user(
        root,
        first_name="Olga",
        last_name="Petrova",
        email="olga@acme.test",
        phone="+1 (212) 555-0199",
        roles=[role["Operator"]],
    )
    max_ = d.create_user(
        root, first_name="Max", last_name="Miller", email="max@acme.test", roles=[role["Manager"]]
    )
    print("000 Operator may start/stop campaigns:", d.check(olga, Permission.CAMPAIGNS_CONTROL))
    print("000 Operator may manage users:        ", d.check(olga, "users.manage"))
    try:
        d.create_user(olga, first_name="Eve", last_name="Doe", email="eve@acme.test")
    except rolecall.PermissionDeniedError as e:
        print(f"000 Operator creating a user is refused: [{e.code} {e.kind}] {e}")
    hits = d.search_users(acme.tenant, "(212) 555-0199")
    print(f"000 search by phone '(212) 555-0199': {hits.total} match ({hits.items[0].email})")
    d.update_user(root, max_, email="MAX.M@acme.test")
    print("000 found by the new email (any case):", d.user_by_email(acme.tenant, "max.m@ACME.test").full_name)

    # 001 Role model: several roles per user; an inactive user holds nothing.
    bots = d.create_tenant("Bots Inc", NewUser("Bo", "Root", "bo@bots.test"), presets=["role_model"])
    broot = bots.superadmin
    dina = d.create_user(
        broot,
        first_name="Dina",
        last_name="Kay",
        email="dina@bots.test",
        roles=[d.role_by_name(bots.tenant, "DIALER_USER"), d.role_by_name(bots.tenant, "DIALER_VERIFIED")],
    )
    print("001 DIALER_VERIFIED may control broadcasts:", d.check(dina, Permission.BROADCASTS_CONTROL))
    d.set_active(broot, dina, False)
    print("001 inactive user may view numbers:        ", d.check(dina, Permission.NUMBERS_VIEW))
    d.set_active(broot, dina, True)

    # 004 Groups carry roles; a group that is a member's only group cannot be deleted.
    analysts = d.create_group(broot, "Analysts", [d.role_by_name(bots.tenant, "ANALYST")])
    d.add_member(broot, analysts, dina)
    print("004 group member inherits logs.view:       ", d.check(dina, "logs.view"))
    print("004 group permissions:", d.group_permissions(analysts))
    try:
        d.delete_group(broot, analysts)
    except rolecall.ConflictError as e:
        print("004 deleting Dina's only group is refused:", e)

    # 002 Agreements: access levels per product, PBX subscriber link.
    contract = d.create_agreement(root, "Agreement No. 1", root)
    d.set_access_level(root, contract, max_, Product.CORE, AccessLevel.ADMINISTRATOR)
    d.set_access_level(root, contract, max_, Product.VIRTUAL_PBX, AccessLevel.USER)
    d.set_access_level(max_, contract, olga, "virtual_pbx", "user")
    d.link_pbx_subscriber(max_, contract, olga, "sub-101")
    print("002 Olga may listen to sub-101 recordings:", d.may_listen_recordings(contract, olga, "sub-101"))
    try:
        d.set_access_level(max_, contract, olga, Product.TELEPHONY, AccessLevel.NO_ACCESS)
    except rolecall.PermissionDeniedError as e:
        print("002 an Administrator setting No access is refused:", e)

    # 003 Dashboard: supervisors see only their call groups / IVRs.
    dash = d.create_tenant("Dash Co", NewUser("Sue", "Root", "sue@dash.test"), presets=[Preset.DASHBOARD])
    sroot = dash.superadmin
    sales = d.create_scope(sroot, ScopeKind.CALL_GROUP, "Sales")
    support = d.create_scope(sroot, ScopeKind.CALL_GROUP, "Support")
    sam = d.create_user(
        sroot,
        first_name="Sam",
        last_name="Hill",
        email="sam@dash.test",
        roles=[d.role_by_name(dash.tenant, "Supervisor")],
    )
    d.assign_scope(sroot, sam, sales)
    print(
        "003 Supervisor analytics on Sales / Support:",
        d.check_scoped(sam, Permission.DASHBOARD_ANALYTICS, sales),
        "/",
        d.check_scoped(sam, Permission.DASHBOARD_ANALYTICS, support),
    )
    access = d.allowed_scopes(sam, Permission.DASHBOARD_ANALYTICS)
    # A person reads names: turn ids into them for display (programs keep the ids).
    visible = "all" if access.is_all else ", ".join(d.scope(s).name for s in sorted(access.scopes))
    print("003 Supervisor visible call groups:", visible)
    why = [f"role {g.role_name!r}" for g in d.explain(sam, "dashboard.analytics").grants]
    print("003 why may Sam see analytics:", ", ".join(why))

    # Contact-center scopes: a site above its teams, a queue below a team; a team lead holds its
    # role for its team only, and administers only the users of that team.
    lyon = d.create_scope(sroot, ScopeKind.TEAM, "Lyon")
    inbound = d.create_scope(sroot, ScopeKind.TEAM, "Inbound", parent=lyon)
    outbound = d.create_scope(sroot, ScopeKind.TEAM, "Outbound", parent=lyon)
    queue = d.create_scope(sroot, ScopeKind.QUEUE, "Inbound EN", parent=inbound)
    lead_role = d.create_role(
        sroot, name="Team lead", permissions=["users.view", "users.manage", "dashboard.analytics"]
    )
    tina = d.create_user(
        sroot, first_name="Tina", last_name="Lead", email="tina@dash.test",
        teams=[inbound], grants=[(lead_role, inbound)],
    )
    ivan = d.create_user(sroot, first_name="Ivan", last_name="Agent", email="ivan@dash.test", teams=[inbound])
    omar = d.create_user(sroot, first_name="Omar", last_name="Agent", email="omar@dash.test", teams=[outbound])
    print(
        "team lead: analytics on the Inbound EN queue", d.check_scoped(tina, "dashboard.analytics", queue),
        "| may manage Ivan", d.check_user(tina, "users.manage", ivan),
        "/ Omar", d.check_user(tina, "users.manage", omar),
    )
    try:
        d.set_active(tina, omar, False)
    except rolecall.PermissionDeniedError as e:
        print("team lead deactivating Omar is refused:", e.kind, "-", e)
    print("team lead sees:", ", ".join(u.email for u in d.search_users_as(tina)))

    # A report over many rows crosses into Rust once; threads share one directory.
    people = [u for t in d.tenants() for u in d.search_users(t.id, limit=1000)]
    everyone = [u.id for u in people]
    allowed = d.check_many(everyone, "campaigns.control")
    print("batch: who may control campaigns:", ", ".join(u.email for u, ok in zip(people, allowed) if ok))
    workers = [threading.Thread(target=lambda: d.check_many(everyone * 100, Permission.LOGS_VIEW)) for _ in range(4)]
    for w in workers:
        w.start()
    d.revoke_role(root, olga, role["Operator"])  # meanwhile, a change
    for w in workers:
        w.join()
    print("directory revision:", d.revision)

    # Close and reopen the file: every answer comes back from disk.
    d.close()
    d = Directory.open(path)
    print(
        f"reopened at revision {d.revision}: Olga may start campaigns {d.check(olga, 'campaigns.control')},"
        f" Sam sees Support {d.check_scoped(sam, 'dashboard.analytics', support)}"
    )


if __name__ == "__main__":
    main()
