"""Smoke test of the uniffi export: drives librolecall through the Python bindings that
uniffi-bindgen generated from the library itself (module `rolecall_uniffi`, next to a copy of
librolecall.so). The same bindings can be generated for Kotlin and Swift.

Usage: python3 uniffi_smoke.py DIR   (DIR holds rolecall_uniffi.py and librolecall.so)

The PostgreSQL part needs ROLECALL_TEST_PG (scripts/test-all.sh starts a throwaway server and
sets it): without it this test fails, never skips.
"""

import json
import os
import subprocess
import sys

sys.path.insert(0, sys.argv[1])

import rolecall_uniffi as rc  # noqa: E402

passed = 0


def check(cond, what):
    global passed
    if not cond:
        raise AssertionError(what)
    passed += 1


def refused(kind, fn, *args):
    try:
        fn(*args)
    except rc.RolecallError.Refused as e:
        check(e.kind == kind, f"expected {kind}, got {e.kind}: {e.message}")
        return e
    raise AssertionError(f"expected {kind}, got success")


check("users.view" in rc.permission_names(), "catalogue")
check(rc.version().count(".") == 2, "version")
operator = [r for r in rc.preset_roles(rc.Preset.MANAGERS) if r.name == "Operator"][0]
check(
    operator.permissions
    == ["campaigns.view", "campaigns.control", "scripts.view", "numbers.view", "reports.view"],
    "000 Operator rights",
)

d = rc.Directory.in_memory()
d.set_hash_params(8, 1, 1)


def new_user(first, last, email, roles=(), password=None):
    return rc.NewUser(
        first_name=first,
        last_name=last,
        email=email,
        phone=None,
        roles=list(roles),
        active=True,
        password=password,
        temporary=False,
    )


t = d.create_tenant(
    "Acme", new_user("Ada", "Root", "ada@acme.test"), [rc.Preset.MANAGERS, rc.Preset.MANAGERS]
)
check(len(t.roles) == 5, "preset installed once")
op = d.role_by_name(t.tenant, "operator")
check(op.namespace == "managers" and not op.scoped, "built-in role, in its preset's namespace")
d.install_preset(t.superadmin, rc.Preset.DASHBOARD)
refused("ambiguous_name", d.role_by_name, t.tenant, "Admin")
check(d.role_in_namespace(t.tenant, "dashboard", "admin").namespace == "dashboard", "namespaces")
check(d.role_by_name(t.tenant, "managers/Admin").namespace == "managers", "ns/name")
refused("unknown_namespace", d.role_in_namespace, t.tenant, "nope", "admin")
olga = d.create_user(t.superadmin, new_user("Olga", "Petrova", "olga@acme.test", [op.id]))

# Checks and the reasons behind them.
check(d.check(olga, "campaigns.control"), "operators start campaigns")
check(not d.check(olga, "users.manage"), "and nothing else")
check(d.check_many([olga, olga, 999], ["campaigns.view", "billing.manage", "campaigns.view"])
      == [True, False, False], "check_many")
why = d.explain(olga, "campaigns.control")
check(why.allowed and [g.role_name for g in why.grants] == ["Operator"], "explain")
check(why.user == olga and why.permission == ["campaigns.control"], "explain: what was asked")
check(why.grants[0].role == op.id and why.grants[0].role_namespace == "managers", "grant")
check(d.effective_permissions(olga) == operator.permissions, "effective permissions")

# Refusals carry the core's stable code and kind, and change nothing.
rev = d.revision()
e = refused("permission_denied", d.create_user, olga, new_user("Eve", "Doe", "eve@acme.test"))
check(e.code == 400 and "users.manage" in e.message, "code and message")
check(d.revision() == rev, "nothing changed")
# Dry run: a fork driven step by step, its impact as JSON; nothing reaches the directory.
fork = d.fork()
bob = fork.create_user(t.superadmin, new_user("Bob", "Lee", "bob@acme.test", [op.id]))
impact = json.loads(fork.impact_json())
check(impact["changed"] and [u["email"] for u in impact["users"]] == ["bob@acme.test"], "impact")
check({"permission": "campaigns.control", "scope": None} in impact["users"][0]["rights_gained"],
      "impact: rights gained")
check(d.revision() == rev, "a fork changes nothing")
refused("unknown_user", d.user, bob)
refused("invalid_argument", d.impact_json)
refused("permission_denied", fork.create_user, olga, new_user("Eve", "Doe", "eve@acme.test"))
refused("unknown_permission", d.check, olga, "campaigns.fly")
refused("unknown_user", d.user, 424242)
refused("invalid_email", d.create_user, t.superadmin, new_user("A", "B", "not an email"))

# Import and export of a tenant: JSON text in and out, in a directory of their own.
xd = rc.Directory.in_memory()
xt = xd.create_tenant("Xfer", new_user("Xena", "Root", "root@xfer.test"), [rc.Preset.MANAGERS])
report = json.loads(xd.import_users_csv(
    xt.superadmin, "email,first_name,last_name,roles\nivy@xfer.test,Ivy,Lu,Operator\n"))
check(report["changed"] and report["users"]["created"] == ["ivy@xfer.test"], "csv import")
doc = xd.export_tenant(xt.superadmin, False)
check(json.loads(doc)["format"] == "rolecall.tenant", "export")
check(not json.loads(xd.import_tenant(xt.superadmin, doc))["changed"], "idempotent")
e = refused("invalid_import", xd.import_users_csv, xt.superadmin,
            "email,first_name,last_name\nbad,,X\n")
check(e.code == 118 and "line 2 (email)" in e.message and "line 2 (first_name)" in e.message,
      "every problem in the message")
ivy = xd.user_by_email(xt.tenant, "ivy@xfer.test").id
refused("permission_denied", xd.export_tenant, ivy, False)

# Planning an import: the report it would give and its impact, as JSON; nothing is committed.
xrev = xd.revision()
plan = xd.plan_users_csv(
    xt.superadmin, "email,first_name,last_name,roles\njo@xfer.test,Jo,Ng,Operator\n")
check(json.loads(plan.report)["users"]["created"] == ["jo@xfer.test"], "plan_users_csv: report")
gains = json.loads(plan.impact)["users"]
check([u["email"] for u in gains] == ["jo@xfer.test"] and gains[0]["lifecycle"] == "created"
      and {"permission": "campaigns.control", "scope": None} in gains[0]["rights_gained"],
      "plan_users_csv: impact")
refused("unknown_user", xd.user_by_email, xt.tenant, "jo@xfer.test")
demoted = json.loads(doc)
for u in demoted["users"]:
    if u["email"] == "ivy@xfer.test":
        u["roles"] = ["managers/Viewer"]
plan = xd.plan_import(xt.superadmin, json.dumps(demoted))
check(json.loads(plan.report)["users"]["updated"] == ["ivy@xfer.test"], "plan_import: report")
losses = json.loads(plan.impact)["users"]
check([u["email"] for u in losses] == ["ivy@xfer.test"]
      and losses[0]["rights_lost"] == [{"permission": "campaigns.control", "scope": None}]
      and losses[0]["rights_gained"] == [], "plan_import: impact")
check(xd.check(ivy, "campaigns.control") and xd.revision() == xrev, "a plan commits nothing")
plan = xd.plan_import(xt.superadmin, doc)
check(not json.loads(plan.report)["changed"] and json.loads(plan.impact)["users"] == [],
      "plan of the same document: no change")
e = refused("invalid_import", xd.plan_users_csv, xt.superadmin,
            "email,first_name,last_name\nbad,,X\n")
check("line 2 (email)" in e.message and "line 2 (first_name)" in e.message,
      "plan: every problem in the message")
refused("invalid_import", xd.plan_import, xt.superadmin, "{not json")
refused("permission_denied", xd.plan_users_csv, ivy,
        "email,first_name,last_name\nkim@xfer.test,Kim,Li\n")
check(xd.revision() == xrev, "refused plans commit nothing either")

# Explicit deny: a role's denials win over another role's allow; explain names the denier.
nc = d.create_role(t.superadmin, rc.NewRole(name="No control", permissions=[], scoped=False,
                                            admin_tier=False, description="",
                                            denied=["campaigns.control"]))
check(d.role(nc).denied == ["campaigns.control"] and d.role(op.id).denied == [], "Role.denied")
ivan = d.create_user(t.superadmin, new_user("Ivan", "Denied", "ivan@acme.test", [op.id, nc]))
check(not d.check(ivan, "campaigns.control") and d.check(ivan, "campaigns.view"), "deny wins")
why = d.explain(ivan, "campaigns.control")
check(not why.allowed and [g.role for g in why.denied_by] == [nc], "explain: denied_by")
refused("invalid_argument", d.update_role, t.superadmin, nc,
        rc.RolePatch(name=None, permissions=["campaigns.control"], description=None))
d.update_role(t.superadmin, nc, rc.RolePatch(name=None, permissions=None, description=None,
                                             denied=[]))
check(d.check(ivan, "campaigns.control"), "a deny lifted")

# Groups, scopes, agreements.
g = d.create_group(t.superadmin, "Ops", [op.id])
d.add_member(t.superadmin, g, olga)
check(d.group_members(g) == [olga] and d.user_groups(olga) == [g], "groups")
watcher = d.create_role(
    t.superadmin,
    rc.NewRole(name="Watcher", permissions=["dashboard.logs"], scoped=True, admin_tier=False,
               description=""),
)
north = d.create_scope(t.superadmin, rc.ScopeKind.CALL_GROUP(), "North")
south = d.create_scope(t.superadmin, rc.ScopeKind.IVR(), "South")
d.assign_role(t.superadmin, olga, watcher)
# A permission name uniffi cannot lift is the core's refusal, not an internal error.
rev = d.revision()
refused("unknown_permission", d.create_role, t.superadmin,
        rc.NewRole(name="Bad", permissions=["campaigns.fly"], scoped=False, admin_tier=False,
                   description=""))
refused("unknown_permission", d.update_role, t.superadmin, watcher,
        rc.RolePatch(name=None, permissions=["nope"], description=None))
check(d.revision() == rev, "nothing changed")
d.assign_scope(t.superadmin, olga, north)
check(d.check_scoped(olga, "dashboard.logs", north), "scoped: own call group")
check(not d.check_scoped(olga, "dashboard.logs", south), "scoped: not another")
check(d.allowed_scopes(olga, "dashboard.logs") == rc.ScopeAccess.ONLY(scopes=[north]), "scopes")
ag = d.create_agreement(t.superadmin, "Contract 7", t.superadmin)
d.set_access_level(t.superadmin, ag, olga, rc.Product.VIRTUAL_PBX, rc.AccessLevel.USER)
d.link_pbx_subscriber(t.superadmin, ag, olga, "sip:204")
check(d.access_level(ag, olga, rc.Product.VIRTUAL_PBX) == rc.AccessLevel.USER, "level")
check(d.may_listen_recordings(ag, olga, "sip:204"), "recordings")
refused("level_not_grantable", d.set_access_level, t.superadmin, ag, olga, rc.Product.CORE,
        rc.AccessLevel.OWNER)
check(d.tenant_settings(t.tenant) == rc.TenantSettings(strict_agreement_levels=False,
                                                       phone_region=None), "settings default")
refused("superadmin_only", d.set_tenant_settings, olga,
        rc.TenantSettings(strict_agreement_levels=True, phone_region=None))
d.set_tenant_settings(t.superadmin, rc.TenantSettings(strict_agreement_levels=True, phone_region="FR"))
check(d.tenant(t.tenant).settings.phone_region == "FR", "tenant record carries its settings")
check(d.tenant(t.tenant).policy == rc.default_password_policy(), "default policy")
check(d.tenant_settings(t.tenant).strict_agreement_levels
      and d.tenant_settings(t.tenant).phone_region == "FR", "settings set")

# Several users in one change.
ids = d.create_users(t.superadmin, [new_user("Ann", "One", "ann@acme.test", [op.id]),
                                    new_user("Ben", "Two", "ben@acme.test")])
check(len(ids) == 2 and d.user(ids[0]).roles == [op.id] and d.check(ids[0], "campaigns.view"),
      "create_users")
refused("duplicate_email", d.create_users, t.superadmin, [new_user("C", "D", "ann@acme.test")])
for u in ids:
    d.delete_user(t.superadmin, u)

# Search, credentials, notifications, audit.
page = d.search_users(t.tenant, rc.UserQuery(text="petrova", active_only=False, offset=0, limit=50))
check(page.total == 1 and page.items[0].id == olga and page.items[0].roles == [op.id, watcher],
      "search: users carry their roles in id order")
d.set_password(t.superadmin, olga, "violet-harbour-41-lantern", False)
s = d.login(t.tenant, "OLGA@acme.test", "violet-harbour-41-lantern")
check(s.user == olga and d.session_valid(olga, s.stamp), "login")
refused("authentication_failed", d.login, t.tenant, "olga@acme.test", "wrong password here")
heard = []


class Listener(rc.NotificationListener):
    def deliver(self, notification):
        heard.append(notification)


d.on_notification(Listener())
issued = d.request_password_reset(t.tenant, "olga@acme.test")
check(issued is not None and issued.user == olga, "reset issued")
check(d.reset_password_with_token(t.tenant, issued.token, "quiet-meadow-87-compass") == olga,
      "reset")
check(not d.session_valid(olga, s.stamp), "sessions end on a password change")
notes = d.drain_notifications()
check(len(notes) == 1 and isinstance(notes[0], rc.Notification.PASSWORD_RESET_REQUESTED), "notes")
check(heard == [notes[0]], "the listener heard it as it was produced")


class Failing(rc.NotificationListener):
    def deliver(self, notification):
        raise RuntimeError("listener bug")


d.on_notification(Failing())
check(d.request_password_reset(t.tenant, "olga@acme.test") is not None, "a raising listener")
check(len(d.drain_notifications()) == 1, "is ignored; the notification stays queued")
audit = d.audit_events(rc.AuditQuery(tenant=t.tenant, actor=None, target_kind=None,
                                     target_id=None, action="login", outcome=None, since=None,
                                     until=None, offset=0, limit=100))
check(audit.total == 2 and audit.items[0].action == "login", "audit")
check(audit.items[0].target_kind == "user" and audit.items[0].target_id == olga, "audit target")
refused("invalid_argument", d.audit_events, rc.AuditQuery(
    tenant=t.tenant, actor=None, target_kind=None, target_id=None, action="logn", outcome=None,
    since=None, until=None, offset=0, limit=100))
# The audit log from a cursor, every tenant, oldest first, page by page until caught up.
events, cursor = [], 0
while page := d.audit_after(cursor, 7):
    check(len(page) <= 7 and page[0].seq > cursor, "audit_after: a page above the cursor")
    events += page
    cursor = page[-1].seq
everything = d.audit_events(rc.AuditQuery(tenant=None, actor=None, target_kind=None,
                                          target_id=None, action=None, outcome=None, since=None,
                                          until=None, offset=0, limit=1000))
check(7 < len(events) < 1000 and [e.seq for e in events] == [e.seq for e in everything.items],
      "audit_after: the whole log, in order")
check(events[0].action == "create_tenant" and d.audit_after(cursor, 10000) == [],
      "audit_after: from the first event to caught up")
refused("invalid_argument", d.audit_after, 0, 0)
refused("invalid_argument", d.audit_after, 0, 10001)
# Written out as JSON Lines (schema rolecall.audit/1) and CEF, as the core writes them.
line = json.loads(rc.audit_event_to_json_line(events[0]))
check(line["schema"] == "rolecall.audit/1" and line["seq"] == events[0].seq
      and line["action"] == "create_tenant" and line["tenant"] == t.tenant
      and line["target_kind"] == "tenant" and line["time"].endswith("Z"), "JSON line")
failed = [e for e in events if e.action == "login" and e.outcome == "authentication_failed"][0]
check(rc.audit_event_to_cef(failed).startswith(
    f"CEF:0|rolecall|rolecall|{rc.version()}|login|login refused: authentication_failed|7|"),
    "CEF: a failed login, severity 7")
built = rc.AuditEvent(seq=7, at=1_700_000_000_123, tenant=1, actor=2, action="delete_user",
                      outcome="permission_denied", target_kind=None, target_id=None,
                      detail="a=b", revision=None, before=None, after=None)
check(rc.audit_event_to_cef(built) == (
    f"CEF:0|rolecall|rolecall|{rc.version()}|delete_user|delete_user refused: permission_denied"
    "|6|rt=1700000000123 externalId=7 act=delete_user outcome=permission_denied suid=2 "
    "cs1Label=tenant cs1=1 msg=a\\=b"), "CEF: extension values escaped")
check(rc.audit_event_to_json_line(built) == (
    '{"schema":"rolecall.audit/1","seq":7,"time":"2023-11-14T22:13:20.123Z",'
    '"time_ms":1700000000123,"tenant":1,"actor":2,"action":"delete_user",'
    '"outcome":"permission_denied","target_kind":null,"target_id":null,"detail":"a=b",'
    '"revision":null,"before":null,"after":null}'), "JSON line of a built event")
built.action = "logn"
refused("invalid_argument", rc.audit_event_to_json_line, built)
refused("invalid_argument", rc.audit_event_to_cef, built)

snap = d.snapshot()
d.revoke_role(t.superadmin, olga, op.id)
d.remove_member(t.superadmin, g, olga)
check(not d.check(olga, "campaigns.view") and snap.check(olga, "campaigns.view"), "snapshot")
check(snap.memory_bytes() >= 1024 * 12, "snapshot memory")

# One notification shape: `email` is where to write (the new address), `old_email` the old one.
d.drain_notifications()
d.update_user(t.superadmin, olga, rc.UserPatch(first_name=None, last_name=None,
                                               email="olga.n@acme.test", phone=None,
                                               remove_phone=False))
notes = d.drain_notifications()
check(len(notes) == 1 and isinstance(notes[0], rc.Notification.EMAIL_CHANGED)
      and notes[0].email == "olga.n@acme.test" and notes[0].old_email == "olga@acme.test",
      "email change notification")

closing = rc.Directory.in_memory()
closing.close()
closing.close()
check(closing.is_closed(), "closed")
refused("closed", closing.refresh)

# Contact-center scopes (issue 15): kinds (built-in variants, Custom(name)), a hierarchy, teams,
# roles granted per scope, "my team only", actor-aware reads.
root = t.superadmin
check(rc.scope_kind_from_name("queue") == rc.ScopeKind.QUEUE(), "kind by name")
check(rc.scope_kind_from_name("brand") == rc.ScopeKind.CUSTOM(name="brand"), "custom kind by name")
check(rc.scope_kind_name(rc.ScopeKind.TEAM()) == "team", "kind name")
refused("invalid_argument", rc.scope_kind_from_name, "Not A Kind")
refused("invalid_argument", rc.scope_kind_name, rc.ScopeKind.CUSTOM(name="queue"))
site = d.create_scope(root, rc.ScopeKind.TEAM(), "Lyon")
sales = d.create_scope_under(root, site, rc.ScopeKind.TEAM(), "Sales")
support = d.create_scope_under(root, site, rc.ScopeKind.TEAM(), "Support")
q1 = d.create_scope_under(root, sales, rc.ScopeKind.QUEUE(), "Sales EN")
brand = d.create_scope(root, rc.ScopeKind.CUSTOM(name="brand"), "Acme Blue")
rev = d.revision()
refused("invalid_argument", d.create_scope, root, rc.ScopeKind.CUSTOM(name="Bad Kind"), "x")
refused("invalid_argument", d.create_scope, root, rc.ScopeKind.CUSTOM(name="ivr"), "x")
check(d.revision() == rev, "a bad custom kind changes nothing")
check(d.scope(brand) == rc.Scope(id=brand, tenant=t.tenant, kind=rc.ScopeKind.CUSTOM(name="brand"),
                                 name="Acme Blue", parent=None), "custom scope record")
check(d.scope(q1).parent == sales and d.scope(q1).kind == rc.ScopeKind.QUEUE(), "parent, kind")
check(d.child_scopes(site) == [sales, support], "children")
lead = d.create_role(root, rc.NewRole(name="Team lead", permissions=["users.view", "users.manage"],
                                      scoped=False, admin_tier=False, description=""))
tom_user = new_user("Tom", "Lead", "tom@acme.test")
tom_user.grants = [rc.ScopeGrant(role=lead, scope=sales)]
tom = d.create_user(root, tom_user)
ann_user = new_user("Ann", "Agent", "ann.agent@acme.test")
ann_user.teams = [sales]
ann = d.create_user(root, ann_user)
sam_user = new_user("Sam", "Agent", "sam.agent@acme.test")
sam_user.teams = [support]
sam = d.create_user(root, sam_user)
check(d.user(tom).grants == [rc.ScopeGrant(role=lead, scope=sales)], "user grants")
check(d.user(ann).teams == [sales] and d.team_members(sales) == [ann], "teams")
check(d.check_user(tom, "users.manage", ann), "my team")
check(not d.check_user(tom, "users.manage", sam), "not my team")
check(d.snapshot().check_user(tom, "users.manage", ann), "snapshot check_user")
check(d.snapshot().allowed_scopes_of(tom, "users.view", rc.ScopeKind.QUEUE())
      == rc.ScopeAccess.ONLY(scopes=[q1]), "snapshot allowed scopes of a kind")
check(d.snapshot().allowed_scopes_of(999, "users.view", None) is None, "unknown user: None")
check(d.allowed_scopes_of_kind(tom, "users.view", rc.ScopeKind.TEAM())
      == rc.ScopeAccess.ONLY(scopes=[sales]), "allowed scopes of a kind")
check(d.allowed_scopes_of_kind(root, "users.view", rc.ScopeKind.TEAM()) == rc.ScopeAccess.ALL(),
      "all of a kind")
e = d.explain(tom, "users.manage")
check([(g.role, g.scope) for g in e.grants] == [(lead, sales)], "explain: per-scope grant")
check(d.user_as(tom, ann).id == ann, "user_as")
refused("outside_teams", d.user_as, tom, sam)
refused("permission_denied", d.user_as, ann, sam)
seen = [u.id for u in d.search_users_as(tom, rc.UserQuery(text=None, active_only=False, offset=0,
                                                           limit=50)).items]
check(ann in seen and sam not in seen, "search_users_as")
refused("not_a_team", d.set_user_teams, root, ann, [q1])
refused("outside_teams", d.set_user_teams, tom, sam, [sales])
d.grant_role_in_scope(root, sam, lead, support)
check(d.check_user(sam, "users.view", sam), "granted in scope")
d.revoke_role_in_scope(root, sam, lead, support)
check(not d.check_user(sam, "users.view", sam), "revoked")
refused("scope_cycle", d.move_scope, root, site, q1)
d.move_scope(root, support, sales)
check(d.check_user(tom, "users.manage", sam), "moved under Sales")
d.move_scope(root, support, None)
check(d.scope(support).parent is None, "moved to a root")
refused("scope_not_empty", d.delete_scope, root, sales)
d.delete_scope_moving(root, sales)
check(d.scope(q1).parent == site and d.team_members(site) == [ann], "deleted moving")

# Time-bound grants, activation, break-glass (issue 16), on a manual clock.
T0, HOUR = 1_800_000_000_000, 3_600_000
clock = rc.ManualClock(T0)
check(clock.now() == T0, "manual clock")
td = rc.Directory.in_memory_with_clock(clock)
tt = td.create_tenant("Acme", new_user("Ada", "Root", "root@acme.test"), [rc.Preset.MANAGERS])
troot = tt.superadmin
tadmin = td.role_by_name(tt.tenant, "managers/Admin").id
tmgr = td.role_by_name(tt.tenant, "Manager").id
ted = td.create_user(troot, new_user("Ted", "Tech", "ted@acme.test"))
td.grant_for(troot, ted, rc.TimedGrant.ROLE(role=tadmin), rc.Window(from_ms=None, until_ms=T0 + HOUR))
check(td.check(ted, "users.manage"), "time-bound role counts")
check(td.user(ted).windows == [rc.AssignmentWindow(assignment=rc.Assignment.ROLE(role=tadmin),
                                                   window=rc.Window(from_ms=None, until_ms=T0 + HOUR))],
      "windows")
snap = td.snapshot()
check((snap.computed_at(), snap.valid_until()) == (T0, T0 + HOUR), "snapshot valid_until")
refused("invalid_window", td.grant_for, troot, ted, rc.TimedGrant.ROLE(role=tadmin),
        rc.Window(from_ms=T0 + HOUR, until_ms=T0))
clock.advance(HOUR)
td.tick()
check(not td.check(ted, "users.manage") and td.snapshot().valid_until() is None, "ended on time")
notes = td.drain_notifications()
check([type(n) for n in notes] == [rc.Notification.GRANT_EXPIRED]
      and notes[0].assignment == rc.Assignment.ROLE(role=tadmin), "grant_expired told")
refused("not_eligible", td.activate, ted, tmgr, None, HOUR, "why")
td.make_eligible(troot, ted, tmgr, None, 2 * HOUR)
check([(e.role, e.scope, e.max_ms) for e in td.user(ted).eligible] == [(tmgr, None, 2 * HOUR)],
      "eligible")
w = td.activate(ted, tmgr, None, HOUR, "INC-1: outage")
check(w == rc.Window(from_ms=None, until_ms=clock.now() + HOUR), "activation window")
notes = td.drain_notifications()
check(isinstance(notes[0], rc.Notification.ACTIVATED) and notes[0].justification == "INC-1: outage",
      "activated told")
td.end_activation(troot, ted, tmgr, None)
td.revoke_eligibility(troot, ted, tmgr, None)
check(td.user(ted).eligible == [], "eligibility revoked")
refused("superadmin_only", td.set_break_glass, ted, ted, True)
td.set_break_glass(troot, ted, True)
check(td.user(ted).break_glass, "break-glass")
td.close()

# SCIM 2.0: a create, an Entra-style filter, a PATCH and a refusal as a SCIM error body.
sd = rc.Directory.in_memory()
sroot = sd.create_tenant("Scim", new_user("Ada", "Root", "root@scim.test"), []).superadmin
r = sd.scim_handle(sroot, "POST", "/Users",
                   '{"userName": "bjensen@scim.test", "name": {"givenName": "Barbara", "familyName": "Jensen"}}',
                   "https://scim.test/v2")
check(r.status == 201 and r.location.startswith("https://scim.test/v2/Users/"), "scim create")
sid = json.loads(r.body)["id"]
r = sd.scim_handle(sroot, "GET", "/Users?filter=userName+eq+%22BJENSEN%40scim.test%22", None, None)
check(r.status == 200 and json.loads(r.body)["totalResults"] == 1, "scim filter")
r = sd.scim_handle(sroot, "PATCH", f"/Users/{sid}",
                   '{"Operations": [{"op": "Replace", "path": "active", "value": "False"}]}', None)
check(r.status == 200 and not sd.user(int(sid)).active, "scim patch")
r = sd.scim_handle(sroot, "POST", "/Users", '{"userName": "BJensen@scim.test"}', None)
check(r.status == 409 and json.loads(r.body)["scimType"] == "uniqueness" and r.location is None,
      "scim error body")

# PostgreSQL: two instances of one directory, a write on one read on the other after at_least.
server = os.environ.get("ROLECALL_TEST_PG", "")
check(server != "", "ROLECALL_TEST_PG names a test server")
schema = f"uniffi_{os.getpid()}"
try:
    a = rc.Directory.open_postgres(server, schema)
    b = rc.Directory.open_postgres(server, schema)
    a.set_hash_params(8, 1, 1)
    created = a.create_tenant("Acme", new_user("Ada", "Root", "root@acme.test"), [])
    token = a.revision_token()
    check(token.startswith("rc1."), "revision token")
    check(b.at_least(token, 5000).revision() == a.revision(), "at_least catches up")
    check(b.check(created.superadmin, "users.manage"), "the write is seen on the other instance")
    refused("foreign_token", b.at_least, "not a token", 0)
    other = rc.Directory.open_postgres(server, schema + "_other")
    refused("foreign_token", other.at_least, token, 100)
    other.close()
    refused("invalid_argument", rc.Directory.open_postgres, "host=/tmp port=x", None)
    a.close()
    b.close()
finally:
    subprocess.run(
        ["psql", "-q", "-X", "-c",
         f'SET client_min_messages = warning; DROP SCHEMA IF EXISTS "{schema}" CASCADE; DROP SCHEMA IF EXISTS "{schema}_other" CASCADE',
         server],
        check=True, stdout=subprocess.DEVNULL,
    )

print(f"uniffi-python: {passed} passed, 0 failed")
