// Smoke test of the Kotlin bindings that uniffi-bindgen generates from librolecall: compiled
// with them by scripts/test-all.sh, run on the JVM through JNA against the library itself.

import uniffi.rolecall_uniffi.*

var passed = 0

fun check(cond: Boolean, what: String) {
    if (!cond) throw AssertionError(what)
    passed++
}

fun refused(kind: String, call: () -> Unit): RolecallException.Refused {
    try {
        call()
    } catch (e: RolecallException.Refused) {
        check(e.kind == kind, "expected $kind, got ${e.kind}: ${e.reason}")
        return e
    }
    throw AssertionError("expected $kind, got success")
}

fun person(first: String, email: String, roles: List<RoleId> = listOf()) =
    NewUser(first, "Test", email, null, roles, true, null)

fun main() {
    check("users.view" in permissionNames(), "catalogue")
    Directory.inMemory().use { d ->
        d.setHashParams(8u, 1u, 1u)
        val t = d.createTenant("Acme", person("Ada", "ada@acme.test"), listOf(Preset.MANAGERS))
        val op = d.roleByName(t.tenant, "Operator")
        check(op.namespace == "managers" && op.id in t.roles, "built-in role")
        val olga = d.createUser(t.superadmin, person("Olga", "olga@acme.test", listOf(op.id)))
        check(d.user(olga).roles == listOf(op.id), "ids are ULong aliases, sets are lists")
        check(d.check(olga, "campaigns.control") && !d.check(olga, "users.manage"), "checks")
        check(d.allowedScopes(olga, "campaigns.view") is ScopeAccess.All, "unscoped role")
        val rev = d.revision()
        val e = refused("permission_denied") { d.createUser(olga, person("Eve", "eve@acme.test")) }
        check(e.code == 400u && "users.manage" in e.reason && d.revision() == rev, "refusal")
        refused("unknown_permission") {
            d.createRole(t.superadmin, NewRole("Bad", listOf("campaigns.fly"), false, false, ""))
        }
        val heard = mutableListOf<Notification>()
        d.onNotification(object : NotificationListener {
            override fun deliver(notification: Notification) {
                heard.add(notification)
            }
        })
        check(d.requestPasswordReset(t.tenant, "olga@acme.test") != null, "reset issued")
        check(heard.single() is Notification.PasswordResetRequested, "the listener heard it")
        d.setPassword(t.superadmin, olga, "violet-harbour-41-lantern")
        val s = d.login(t.tenant, "olga@acme.test", "violet-harbour-41-lantern")
        check(s.user == olga && s.mustChangePassword, "a password set by someone else is temporary")
        // Scope kinds: a sealed class, built-in kinds as objects, tenant-defined ones as
        // Custom(name); a hierarchy, teams, a role granted per scope, "my team only".
        val root = t.superadmin
        val sales = d.createScope(root, ScopeKind.Team, "Sales")
        val queue = d.createScopeUnder(root, sales, ScopeKind.Queue, "Sales EN")
        val brand = d.createScope(root, ScopeKind.Custom("brand"), "Acme Blue")
        val kindName = when (val k = d.scope(brand).kind) {
            is ScopeKind.Custom -> k.name
            else -> scopeKindName(k)
        }
        check(kindName == "brand" && d.scope(queue).parent == sales, "kinds and parents")
        check(scopeKindFromName("queue") == ScopeKind.Queue, "kind by name")
        refused("invalid_argument") { d.createScope(root, ScopeKind.Custom("Not A Kind"), "x") }
        val lead = d.createRole(root, NewRole("Lead", listOf("users.view"), false, false, ""))
        val ann = d.createUser(root, person("Ann", "ann@acme.test").copy(teams = listOf(sales)))
        val tom = d.createUser(
            root, person("Tom", "tom@acme.test").copy(grants = listOf(ScopeGrant(lead, sales))))
        check(d.user(tom).grants == listOf(ScopeGrant(lead, sales)), "per-scope grants")
        check(d.checkUser(tom, "users.view", ann) && !d.checkUser(tom, "users.view", olga), "my team")
        check(d.userAs(tom, ann).teams == listOf(sales), "actor-aware read")
        refused("outside_teams") { d.userAs(tom, olga) }
        // Operations: an import planned first (report and impact as JSON text), and the audit
        // log read from a cursor, written out as JSON Lines and CEF.
        val plan = d.planUsersCsv(root, "email,first_name,last_name\nkim@acme.test,Kim,Li\n")
        check("\"created\":[\"kim@acme.test\"]" in plan.report && "kim@acme.test" in plan.impact,
            "planUsersCsv")
        refused("unknown_user") { d.userByEmail(t.tenant, "kim@acme.test") }
        val events = d.auditAfter(0uL, 1000uL)
        check(events.first().seq == 1uL && d.auditAfter(events.last().seq, 10uL).isEmpty(),
            "auditAfter")
        check(auditEventToJsonLine(events.first()).startsWith(
            "{\"schema\":\"rolecall.audit/1\",\"seq\":1,"), "JSON line")
        check(auditEventToCef(events.first()).startsWith(
            "CEF:0|rolecall|rolecall|${version()}|create_tenant|"), "CEF")
        refused("invalid_argument") { d.auditAfter(0uL, 0uL) }
        d.closeStore()
        check(d.isClosed(), "closed")
        refused("closed") { d.refresh() }
    }
    // Time-bound grants, activation, break-glass (issue 16), on a manual clock.
    ManualClock(1_800_000_000_000L).use { clock ->
        Directory.inMemoryWithClock(clock).use { d ->
            val t = d.createTenant("Acme", person("Ada", "ada@acme.test"), listOf(Preset.MANAGERS))
            val root = t.superadmin
            val admin = d.roleByName(t.tenant, "managers/Admin").id
            val manager = d.roleByName(t.tenant, "Manager").id
            val ted = d.createUser(root, person("Ted", "ted@acme.test"))
            val end = clock.now() + 3_600_000L
            d.grantFor(root, ted, TimedGrant.Role(admin), Window(null, end))
            check(d.check(ted, "users.manage"), "time-bound role")
            check(d.user(ted).windows.single() == AssignmentWindow(Assignment.Role(admin), Window(null, end)),
                "windows")
            check(d.snapshot().validUntil() == end, "validUntil")
            clock.advance(3_600_000L)
            check(!d.check(ted, "users.manage") && d.snapshot().validUntil() == null, "ended on time")
            check(d.drainNotifications().single() is Notification.GrantExpired, "grant expired told")
            refused("not_eligible") { d.activate(ted, manager, null, 60_000L, "why") }
            d.makeEligible(root, ted, manager, null, 3_600_000L)
            val w = d.activate(ted, manager, null, 60_000L, "INC-1: outage")
            check(w.untilMs == clock.now() + 60_000L && d.user(ted).eligible.single().maxMs == 3_600_000L,
                "activation")
            check(d.drainNotifications().single() is Notification.Activated, "activation told")
            d.setBreakGlass(root, ted, true)
            check(d.user(ted).breakGlass, "break-glass")
        }
    }
    println("uniffi-kotlin: $passed passed, 0 failed")
}
