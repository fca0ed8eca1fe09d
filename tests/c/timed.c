/* Time-bound grants through the C ABI (issue 16): a manual clock, directories opened on it
 * (in memory and SQLite), grants of every kind for a window ending at their instant with only
 * the clock moving (notified, user records' windows), grants starting later, extending is a
 * grant, snapshots' validity; eligible grants activated with a justification, ended, revoked;
 * break-glass accounts a lock does not keep out, every use notified; bad input (NULL, invalid UTF-8, wrong handles, bad windows and
 * kinds) gets a typed status. Built with -std=c11 -Wall -Wextra -Werror, linked shared and
 * static, run under valgrind. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "testutil.h"

#define BAD "bad\xff\xfeutf8"
#define T0 INT64_C(1800000000000)
#define HOUR INT64_C(3600000)

static rolecall_manual_clock *clk;
static rolecall_directory *dir;
static rolecall_tenant_id tenant;
static rolecall_user_id root;

static rolecall_role_id role(const char *name, struct rolecall_permission *perms) {
    rolecall_role *r = NULL;
    if (perms) memset(perms, 0, sizeof *perms);
    OK(rolecall_role_by_name(dir, tenant, name, &r));
    rolecall_role_id id = r ? r->id : 0;
    if (r && perms) *perms = r->permissions;
    rolecall_role_free(r);
    return id;
}

static rolecall_user_id user(const char *first, const char *email) {
    rolecall_new_user u = {0};
    u.first_name = first;
    u.last_name = "Tester";
    u.email = email;
    rolecall_user_id id = 0;
    OK(rolecall_user_create(dir, root, &u, &id));
    return id;
}

static rolecall_window until(int64_t t) {
    rolecall_window w = {0};
    w.until_ms = t;
    w.has_until = true;
    return w;
}

static rolecall_window between(int64_t a, int64_t b) {
    rolecall_window w = until(b);
    w.from_ms = a;
    w.has_from = true;
    return w;
}

static rolecall_timed_grant role_grant(rolecall_role_id r) {
    rolecall_timed_grant g = {0};
    g.kind = ROLECALL_ASSIGNMENT_ROLE;
    g.role = r;
    return g;
}

/* How many notifications of `kind` are queued for `u` (drains them all). */
static size_t drained(rolecall_notification_kind kind, rolecall_user_id u) {
    rolecall_notification_list *l = NULL;
    OK(rolecall_directory_drain_notifications(dir, &l));
    size_t n = 0;
    for (size_t i = 0; l && i < l->len; i++) n += l->items[i].kind == kind && l->items[i].user == u;
    rolecall_notification_list_free(l);
    return n;
}

static void clock_calls(void) {
    rolecall_manual_clock *c = NULL;
    int64_t now = 0;
    OK(rolecall_manual_clock_new(1000, &c));
    OK(rolecall_manual_clock_now(c, &now));
    CHECK(now == 1000);
    OK(rolecall_manual_clock_advance(c, 500));
    OK(rolecall_manual_clock_now(c, &now));
    CHECK(now == 1500);
    OK(rolecall_manual_clock_advance(c, 0));
    OK(rolecall_manual_clock_set(c, 42));
    OK(rolecall_manual_clock_now(c, &now));
    CHECK(now == 42);
    /* Forward only, and never past the largest time. */
    CHECK_STATUS(rolecall_manual_clock_advance(c, -1), ROLECALL_STATUS_INVALID_ARGUMENT);
    OK(rolecall_manual_clock_set(c, INT64_MAX - 10));
    CHECK_STATUS(rolecall_manual_clock_advance(c, 11), ROLECALL_STATUS_INVALID_ARGUMENT);
    OK(rolecall_manual_clock_now(c, &now));
    CHECK(now == INT64_MAX - 10);
    /* NULL and wrong handles. */
    CHECK_STATUS(rolecall_manual_clock_new(0, NULL), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_manual_clock_now(c, NULL), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_manual_clock_now(NULL, &now), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_manual_clock_set(NULL, 1), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_manual_clock_advance(NULL, 1), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_manual_clock_now((const rolecall_manual_clock *)dir, &now),
                 ROLECALL_STATUS_INVALID_HANDLE);
    CHECK_STATUS(rolecall_tick((const rolecall_directory *)c), ROLECALL_STATUS_INVALID_HANDLE);
    rolecall_directory *d = NULL;
    CHECK_STATUS(rolecall_directory_open_in_memory_with_clock(NULL, &d), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_directory_open_in_memory_with_clock(c, NULL), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_directory_open_in_memory_with_clock((const rolecall_manual_clock *)dir, &d),
                 ROLECALL_STATUS_INVALID_HANDLE);
    CHECK_STATUS(rolecall_directory_open_sqlite_with_clock(BAD, c, &d), ROLECALL_STATUS_INVALID_UTF8);
    CHECK_STATUS(rolecall_directory_open_sqlite_with_clock(NULL, c, &d), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_directory_open_sqlite_with_clock("x.db", NULL, &d),
                 ROLECALL_STATUS_NULL_POINTER);
    CHECK(d == NULL);
    rolecall_manual_clock_free(c);
    rolecall_manual_clock_free(NULL);
}

/* A role for one hour: it counts until the clock reaches the end, then it is gone, notified,
 * and the user's sessions end; the snapshot knows when. */
static void role_for_an_hour(void) {
    struct rolecall_permission manage;
    rolecall_role_id admin = role("managers/Admin", &manage);
    rolecall_user_id tom = user("Tom", "tom@acme.test");
    uint64_t stamp = 0;
    OK(rolecall_security_stamp(dir, tom, &stamp));
    rolecall_snapshot *s = NULL;
    bool has = true;
    int64_t t = -1;
    OK(rolecall_directory_snapshot(dir, &s));
    OK(rolecall_snapshot_valid_until(s, &has, &t));
    CHECK(!has && t == 0);
    rolecall_snapshot_free(s);

    rolecall_timed_grant g = role_grant(admin);
    OK(rolecall_grant_for(dir, root, tom, &g, until(T0 + HOUR)));
    CHECK(rolecall_check(dir, tom, manage));
    rolecall_user *u = NULL;
    OK(rolecall_user_get(dir, tom, &u));
    CHECK(u && u->windows_len == 1 && u->roles_len == 1);
    if (u && u->windows_len == 1) {
        rolecall_user_window w = u->windows[0];
        CHECK(w.assignment.kind == ROLECALL_ASSIGNMENT_ROLE && w.assignment.role == admin);
        CHECK(!w.window.has_from && w.window.from_ms == 0);
        CHECK(w.window.has_until && w.window.until_ms == T0 + HOUR);
    }
    CHECK(u && u->eligible_len == 0 && u->eligible == NULL && !u->break_glass);
    rolecall_user_free(u);

    OK(rolecall_directory_snapshot(dir, &s));
    OK(rolecall_snapshot_valid_until(s, &has, &t));
    CHECK(has && t == T0 + HOUR);
    OK(rolecall_snapshot_computed_at(s, &t));
    CHECK(t == T0);

    OK(rolecall_manual_clock_advance(clk, HOUR - 1));
    CHECK(rolecall_check(dir, tom, manage));
    CHECK(drained(ROLECALL_NOTIFICATION_GRANT_EXPIRED, tom) == 0);
    OK(rolecall_manual_clock_advance(clk, 1));
    CHECK(!rolecall_check(dir, tom, manage));
    CHECK(!rolecall_session_valid(dir, tom, stamp));
    /* The snapshot taken before keeps answering as of its instant. */
    OK(rolecall_snapshot_computed_at(s, &t));
    CHECK(t == T0);
    rolecall_snapshot_free(s);

    rolecall_notification_list *l = NULL;
    OK(rolecall_directory_drain_notifications(dir, &l));
    CHECK(l && l->len == 1);
    if (l && l->len == 1) {
        rolecall_notification *n = &l->items[0];
        CHECK(n->kind == ROLECALL_NOTIFICATION_GRANT_EXPIRED && n->user == tom);
        CHECK_STR(n->email, "tom@acme.test");
        CHECK(n->assignment.kind == ROLECALL_ASSIGNMENT_ROLE && n->assignment.role == admin);
        CHECK(n->justification == NULL && n->action == NULL);
    }
    rolecall_notification_list_free(l);
    OK(rolecall_user_get(dir, tom, &u));
    CHECK(u && u->roles_len == 0 && u->windows_len == 0 && u->windows == NULL);
    rolecall_user_free(u);
    /* Nothing left to do: a tick is cheap and changes nothing. */
    OK(rolecall_tick(dir));
    CHECK(drained(ROLECALL_NOTIFICATION_GRANT_EXPIRED, tom) == 0);
}

/* A grant that starts later; extending is a grant; a zero window makes it permanent. */
static void later_extend_permanent(void) {
    struct rolecall_permission manage;
    rolecall_role_id admin = role("managers/Admin", &manage);
    rolecall_user_id una = user("Una", "una@acme.test");
    int64_t now = 0;
    OK(rolecall_manual_clock_now(clk, &now));
    rolecall_timed_grant g = role_grant(admin);
    OK(rolecall_grant_for(dir, root, una, &g, between(now + HOUR, now + 2 * HOUR)));
    CHECK(!rolecall_check(dir, una, manage));
    OK(rolecall_manual_clock_advance(clk, HOUR));
    CHECK(rolecall_check(dir, una, manage));
    /* Extended: it counts past its first end. */
    OK(rolecall_grant_for(dir, root, una, &g, until(now + 3 * HOUR)));
    OK(rolecall_manual_clock_advance(clk, HOUR));
    CHECK(rolecall_check(dir, una, manage));
    /* Made permanent ({0}): it never ends. */
    rolecall_window always = {0};
    OK(rolecall_grant_for(dir, root, una, &g, always));
    OK(rolecall_manual_clock_advance(clk, 10 * HOUR));
    CHECK(rolecall_check(dir, una, manage));
    rolecall_user *u = NULL;
    OK(rolecall_user_get(dir, una, &u));
    CHECK(u && u->windows_len == 0 && u->roles_len == 1);
    rolecall_user_free(u);
    /* Extending is a grant: a user without the right may not. */
    rolecall_user_id vic = user("Vic", "vic@acme.test");
    OK(rolecall_manual_clock_now(clk, &now));
    CHECK_STATUS(rolecall_grant_for(dir, vic, una, &g, until(now + HOUR)),
                 ROLECALL_STATUS_PERMISSION_DENIED);
}

/* Every kind of assignment can be time-bound, and ends at its instant. */
static void every_kind(void) {
    struct rolecall_permission ops_p, sup_p, scoped_p;
    rolecall_role_id ops = role("managers/Operator", &ops_p);
    rolecall_role_id sup = role("managers/Manager", &sup_p);
    rolecall_role_id scoped = role("dashboard/Supervisor", &scoped_p);
    rolecall_group_id group = 0;
    OK(rolecall_group_create(dir, root, "Night shift", &ops, 1, &group));
    rolecall_scope_id queue = 0, cg = 0;
    OK(rolecall_scope_create(dir, root, ROLECALL_SCOPE_KIND_QUEUE, "Sales", &queue));
    OK(rolecall_scope_create(dir, root, ROLECALL_SCOPE_KIND_CALL_GROUP, "Support", &cg));
    rolecall_user_id kim = user("Kim", "kim@acme.test");
    OK(rolecall_user_assign_role(dir, root, kim, scoped));
    rolecall_user_id owner = user("Owen", "owner@acme.test");
    rolecall_agreement_id ag = 0;
    OK(rolecall_agreement_create(dir, root, "Main", owner, &ag));
    int64_t now = 0;
    OK(rolecall_manual_clock_now(clk, &now));
    rolecall_window end = until(now + HOUR);

    rolecall_timed_grant g = {0};
    g.kind = ROLECALL_ASSIGNMENT_GROUP;
    g.group = group;
    OK(rolecall_grant_for(dir, root, kim, &g, end));
    memset(&g, 0, sizeof g);
    g.kind = ROLECALL_ASSIGNMENT_SCOPE_ROLE;
    g.role = sup;
    g.scope = queue;
    OK(rolecall_grant_for(dir, root, kim, &g, end));
    memset(&g, 0, sizeof g);
    g.kind = ROLECALL_ASSIGNMENT_SCOPE;
    g.scope = cg;
    OK(rolecall_grant_for(dir, root, kim, &g, end));
    memset(&g, 0, sizeof g);
    g.kind = ROLECALL_ASSIGNMENT_LEVEL;
    g.agreement = ag;
    g.product = ROLECALL_PRODUCT_CORE;
    g.level = ROLECALL_LEVEL_USER;
    OK(rolecall_grant_for(dir, root, kim, &g, end));
    memset(&g, 0, sizeof g);
    g.kind = ROLECALL_ASSIGNMENT_PBX;
    g.agreement = ag;
    g.subscriber = "kim-101";
    OK(rolecall_grant_for(dir, root, kim, &g, end));

    CHECK(rolecall_check(dir, kim, ops_p));
    CHECK(rolecall_check_scoped(dir, kim, sup_p, queue));
    CHECK(rolecall_check_scoped(dir, kim, scoped_p, cg));
    rolecall_access_level lvl = 99;
    OK(rolecall_agreement_access_level(dir, ag, kim, ROLECALL_PRODUCT_CORE, &lvl));
    CHECK(lvl == ROLECALL_LEVEL_USER);
    char *sub = NULL;
    OK(rolecall_agreement_pbx_subscriber(dir, ag, kim, &sub));
    CHECK_STR(sub, "kim-101");
    rolecall_string_free(sub);

    rolecall_user *u = NULL;
    OK(rolecall_user_get(dir, kim, &u));
    CHECK(u && u->windows_len == 5);
    if (u && u->windows_len == 5) {
        /* The user's order: roles for a scope, groups, scopes, levels, PBX links. */
        const rolecall_assignment *a0 = &u->windows[0].assignment, *a1 = &u->windows[1].assignment,
                                  *a2 = &u->windows[2].assignment, *a3 = &u->windows[3].assignment,
                                  *a4 = &u->windows[4].assignment;
        CHECK(a0->kind == ROLECALL_ASSIGNMENT_SCOPE_ROLE && a0->role == sup && a0->scope == queue);
        CHECK(a1->kind == ROLECALL_ASSIGNMENT_GROUP && a1->group == group);
        CHECK(a2->kind == ROLECALL_ASSIGNMENT_SCOPE && a2->scope == cg);
        CHECK(a3->kind == ROLECALL_ASSIGNMENT_LEVEL && a3->agreement == ag &&
              a3->product == ROLECALL_PRODUCT_CORE);
        CHECK(a4->kind == ROLECALL_ASSIGNMENT_PBX && a4->agreement == ag);
        for (size_t i = 0; i < 5; i++)
            CHECK(u->windows[i].window.has_until && u->windows[i].window.until_ms == now + HOUR);
    }
    rolecall_user_free(u);

    OK(rolecall_manual_clock_set(clk, now + HOUR));
    CHECK(!rolecall_check(dir, kim, ops_p));
    CHECK(!rolecall_check_scoped(dir, kim, sup_p, queue));
    CHECK(!rolecall_check_scoped(dir, kim, scoped_p, cg));
    OK(rolecall_agreement_access_level(dir, ag, kim, ROLECALL_PRODUCT_CORE, &lvl));
    CHECK(lvl == ROLECALL_LEVEL_NO_ACCESS);
    OK(rolecall_agreement_pbx_subscriber(dir, ag, kim, &sub));
    CHECK(sub == NULL);
    OK(rolecall_user_get(dir, kim, &u));
    CHECK(u && u->windows_len == 0 && u->grants_len == 0 && u->scopes_len == 0 && u->roles_len == 1);
    rolecall_user_free(u);
    CHECK(drained(ROLECALL_NOTIFICATION_GRANT_EXPIRED, kim) == 5);
}

static void bad_input(void) {
    rolecall_role_id admin = role("managers/Admin", NULL);
    rolecall_user_id zed = user("Zed", "zed@acme.test");
    int64_t now = 0;
    OK(rolecall_manual_clock_now(clk, &now));
    rolecall_timed_grant g = role_grant(admin);
    uint64_t rev = 0, rev2 = 0;
    OK(rolecall_directory_revision(dir, &rev));
    /* Windows: ends before it starts, already ended. */
    CHECK_STATUS(rolecall_grant_for(dir, root, zed, &g, between(now + 2, now + 1)),
                 ROLECALL_STATUS_INVALID_WINDOW);
    CHECK_STATUS(rolecall_grant_for(dir, root, zed, &g, until(now)), ROLECALL_STATUS_INVALID_WINDOW);
    /* Kinds and values. */
    rolecall_timed_grant z = {0};
    CHECK_STATUS(rolecall_grant_for(dir, root, zed, &z, until(now + 1)), ROLECALL_STATUS_INVALID_ARGUMENT);
    z.kind = 7;
    CHECK_STATUS(rolecall_grant_for(dir, root, zed, &z, until(now + 1)), ROLECALL_STATUS_INVALID_ARGUMENT);
    z.kind = ROLECALL_ASSIGNMENT_LEVEL;
    z.product = 99;
    CHECK_STATUS(rolecall_grant_for(dir, root, zed, &z, until(now + 1)), ROLECALL_STATUS_UNKNOWN_PRODUCT);
    z.product = ROLECALL_PRODUCT_CORE;
    z.level = 99;
    CHECK_STATUS(rolecall_grant_for(dir, root, zed, &z, until(now + 1)),
                 ROLECALL_STATUS_UNKNOWN_ACCESS_LEVEL);
    z.kind = ROLECALL_ASSIGNMENT_PBX;
    CHECK_STATUS(rolecall_grant_for(dir, root, zed, &z, until(now + 1)), ROLECALL_STATUS_NULL_POINTER);
    z.subscriber = BAD;
    CHECK_STATUS(rolecall_grant_for(dir, root, zed, &z, until(now + 1)), ROLECALL_STATUS_INVALID_UTF8);
    g.role = 999999;
    CHECK_STATUS(rolecall_grant_for(dir, root, zed, &g, until(now + 1)), ROLECALL_STATUS_UNKNOWN_ROLE);
    g.role = admin;
    CHECK_STATUS(rolecall_grant_for(dir, root, 999999, &g, until(now + 1)), ROLECALL_STATUS_UNKNOWN_USER);
    /* Pointers and handles. */
    CHECK_STATUS(rolecall_grant_for(dir, root, zed, NULL, until(now + 1)), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_grant_for(NULL, root, zed, &g, until(now + 1)), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_grant_for((const rolecall_directory *)clk, root, zed, &g, until(now + 1)),
                 ROLECALL_STATUS_INVALID_HANDLE);
    CHECK_STATUS(rolecall_tick(NULL), ROLECALL_STATUS_NULL_POINTER);
    bool has = false;
    int64_t t = 0;
    CHECK_STATUS(rolecall_snapshot_valid_until(NULL, &has, &t), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_snapshot_computed_at(NULL, &t), ROLECALL_STATUS_NULL_POINTER);
    rolecall_snapshot *s = NULL;
    OK(rolecall_directory_snapshot(dir, &s));
    CHECK_STATUS(rolecall_snapshot_valid_until(s, NULL, &t), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_snapshot_valid_until(s, &has, NULL), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_snapshot_computed_at(s, NULL), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_snapshot_computed_at((const rolecall_snapshot *)dir, &t),
                 ROLECALL_STATUS_INVALID_HANDLE);
    rolecall_snapshot_free(s);
    /* Nothing refused changed the directory. */
    OK(rolecall_directory_revision(dir, &rev2));
    CHECK(rev == rev2);
}

/* SQLite on a manual clock: the end is stored, and a directory reopened later finds it. The
 * clock handle may be freed before the directory (the directory keeps its own reference). */
static void sqlite_on_a_clock(void) {
    char path[] = "/tmp/rolecall-timed-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return;
    close(fd);
    unlink(path);
    rolecall_manual_clock *c = NULL;
    OK(rolecall_manual_clock_new(T0, &c));
    rolecall_directory *d = NULL;
    OK(rolecall_directory_open_sqlite_with_clock(path, c, &d));
    rolecall_new_user su = {0};
    su.first_name = "Ada";
    su.last_name = "Root";
    su.email = "root@sq.test";
    rolecall_preset p = ROLECALL_PRESET_MANAGERS;
    rolecall_tenant_created *tc = NULL;
    OK(rolecall_tenant_create(d, "Sq", &su, &p, 1, &tc));
    rolecall_role *r = NULL;
    OK(rolecall_role_by_name(d, tc ? tc->tenant : 0, "Admin", &r));
    rolecall_new_user nu = {0};
    nu.first_name = "Tom";
    nu.last_name = "Tech";
    nu.email = "tom@sq.test";
    rolecall_user_id tom = 0;
    OK(rolecall_user_create(d, tc ? tc->superadmin : 0, &nu, &tom));
    rolecall_timed_grant g = role_grant(r ? r->id : 0);
    OK(rolecall_grant_for(d, tc ? tc->superadmin : 0, tom, &g, until(T0 + HOUR)));
    struct rolecall_permission perms = r ? r->permissions : ROLECALL_PERM_USERS_MANAGE;
    CHECK(rolecall_check(d, tom, perms));
    OK(rolecall_manual_clock_advance(c, HOUR));
    CHECK(!rolecall_check(d, tom, perms));
    rolecall_manual_clock_free(c);
    /* The clock handle is gone; the directory still works. */
    OK(rolecall_tick(d));
    CHECK(!rolecall_check(d, tom, perms));
    rolecall_directory_free(d);

    rolecall_manual_clock *c2 = NULL;
    OK(rolecall_manual_clock_new(T0 + 2 * HOUR, &c2));
    OK(rolecall_directory_open_sqlite_with_clock(path, c2, &d));
    rolecall_user *u = NULL;
    OK(rolecall_user_get(d, tom, &u));
    CHECK(u && u->roles_len == 0 && u->windows_len == 0);
    rolecall_user_free(u);
    CHECK(!rolecall_check(d, tom, perms));
    rolecall_directory_free(d);
    rolecall_manual_clock_free(c2);
    rolecall_role_free(r);
    rolecall_tenant_created_free(tc);
    unlink(path);
}

/* Eligible -> activate (with a justification) -> expire or end; revoked eligibility. */
static void activation(void) {
    struct rolecall_permission mgr_p;
    rolecall_role_id mgr = role("managers/Manager", &mgr_p);
    rolecall_role_id admin = role("managers/Admin", NULL);
    rolecall_user_id ivy = user("Ivy", "ivy@acme.test");
    rolecall_scope_id q = 0;
    OK(rolecall_scope_create(dir, root, ROLECALL_SCOPE_KIND_QUEUE, "Night queue", &q));
    OK(rolecall_make_eligible(dir, root, ivy, mgr, 0, 4 * HOUR));
    OK(rolecall_make_eligible(dir, root, ivy, mgr, q, HOUR));
    rolecall_user *u = NULL;
    OK(rolecall_user_get(dir, ivy, &u));
    CHECK(u && u->eligible_len == 2);
    if (u && u->eligible_len == 2) {
        CHECK(u->eligible[0].role == mgr && u->eligible[0].scope == 0 && u->eligible[0].max_ms == 4 * HOUR);
        CHECK(u->eligible[1].role == mgr && u->eligible[1].scope == q && u->eligible[1].max_ms == HOUR);
    }
    rolecall_user_free(u);
    CHECK(!rolecall_check(dir, ivy, mgr_p));
    drained(ROLECALL_NOTIFICATION_ACTIVATED, ivy);

    int64_t now = 0;
    OK(rolecall_manual_clock_now(clk, &now));
    rolecall_window w = {0};
    OK(rolecall_activate(dir, ivy, mgr, 0, HOUR, "INC-4711: queue outage", &w));
    CHECK(!w.has_from && w.has_until && w.until_ms == now + HOUR);
    CHECK(rolecall_check(dir, ivy, mgr_p));
    rolecall_notification_list *l = NULL;
    OK(rolecall_directory_drain_notifications(dir, &l));
    CHECK(l && l->len == 1);
    if (l && l->len == 1) {
        rolecall_notification *n = &l->items[0];
        CHECK(n->kind == ROLECALL_NOTIFICATION_ACTIVATED && n->user == ivy && n->role == mgr);
        CHECK(n->scope == 0 && n->until == now + HOUR);
        CHECK_STR(n->justification, "INC-4711: queue outage");
        CHECK_STR(n->email, "ivy@acme.test");
    }
    rolecall_notification_list_free(l);
    /* It ends like any time-bound grant. */
    OK(rolecall_manual_clock_advance(clk, HOUR));
    CHECK(!rolecall_check(dir, ivy, mgr_p));
    CHECK(drained(ROLECALL_NOTIFICATION_GRANT_EXPIRED, ivy) == 1);

    /* Per scope; `out` may be NULL; ended early by an administrator. */
    OK(rolecall_activate(dir, ivy, mgr, q, HOUR, "night shift", NULL));
    CHECK(rolecall_check_scoped(dir, ivy, mgr_p, q));
    OK(rolecall_end_activation(dir, root, ivy, mgr, q));
    CHECK(!rolecall_check_scoped(dir, ivy, mgr_p, q));
    CHECK_STATUS(rolecall_end_activation(dir, root, ivy, mgr, q), ROLECALL_STATUS_INVALID_ARGUMENT);
    /* The user itself may end its own. */
    OK(rolecall_activate(dir, ivy, mgr, 0, HOUR, "again", NULL));
    OK(rolecall_end_activation(dir, ivy, ivy, mgr, 0));
    CHECK(!rolecall_check(dir, ivy, mgr_p));

    uint64_t rev = 0, rev2 = 0;
    OK(rolecall_directory_revision(dir, &rev));
    /* Refusals: durations, eligibility, justification, pointers. */
    CHECK_STATUS(rolecall_activate(dir, ivy, mgr, 0, 4 * HOUR + 1, "too long", NULL),
                 ROLECALL_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(rolecall_activate(dir, ivy, mgr, 0, 0, "zero", NULL), ROLECALL_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(rolecall_activate(dir, ivy, admin, 0, HOUR, "not eligible", NULL),
                 ROLECALL_STATUS_NOT_ELIGIBLE);
    CHECK_STATUS(rolecall_activate(dir, ivy, mgr, 0, HOUR, "", NULL), ROLECALL_STATUS_INVALID_NAME);
    CHECK_STATUS(rolecall_activate(dir, ivy, mgr, 0, HOUR, "two\nlines", NULL), ROLECALL_STATUS_INVALID_NAME);
    CHECK_STATUS(rolecall_activate(dir, ivy, mgr, 0, HOUR, NULL, NULL), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_activate(dir, ivy, mgr, 0, HOUR, BAD, NULL), ROLECALL_STATUS_INVALID_UTF8);
    CHECK_STATUS(rolecall_activate(NULL, ivy, mgr, 0, HOUR, "x", NULL), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_activate((const rolecall_directory *)clk, ivy, mgr, 0, HOUR, "x", NULL),
                 ROLECALL_STATUS_INVALID_HANDLE);
    CHECK_STATUS(rolecall_make_eligible(dir, root, ivy, mgr, 0, 0), ROLECALL_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(rolecall_make_eligible(dir, root, ivy, mgr, 0, ROLECALL_MAX_ACTIVATION_MS + 1),
                 ROLECALL_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(rolecall_make_eligible(dir, root, ivy, 999999, 0, HOUR), ROLECALL_STATUS_UNKNOWN_ROLE);
    CHECK_STATUS(rolecall_make_eligible(dir, ivy, ivy, admin, 0, HOUR), ROLECALL_STATUS_PERMISSION_DENIED);
    CHECK_STATUS(rolecall_make_eligible(NULL, root, ivy, mgr, 0, HOUR), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_revoke_eligibility(NULL, root, ivy, mgr, 0), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_end_activation(NULL, root, ivy, mgr, 0), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_end_activation(dir, root, 999999, mgr, 0), ROLECALL_STATUS_UNKNOWN_USER);
    OK(rolecall_directory_revision(dir, &rev2));
    CHECK(rev == rev2);

    /* The maximum may be up to 31 days. */
    OK(rolecall_make_eligible(dir, root, ivy, mgr, 0, ROLECALL_MAX_ACTIVATION_MS));
    /* Revoked: no more activations. */
    OK(rolecall_revoke_eligibility(dir, root, ivy, mgr, 0));
    OK(rolecall_revoke_eligibility(dir, root, ivy, mgr, q));
    CHECK_STATUS(rolecall_activate(dir, ivy, mgr, 0, HOUR, "after revoke", NULL),
                 ROLECALL_STATUS_NOT_ELIGIBLE);
    OK(rolecall_user_get(dir, ivy, &u));
    CHECK(u && u->eligible_len == 0 && u->eligible == NULL);
    rolecall_user_free(u);
}

/* A break-glass account: the superadministrator only; a lock does not keep it out; every
 * use is told. */
static void break_glass(void) {
    rolecall_user_id bg = user("Glass", "glass@acme.test");
    rolecall_user_id other = user("Plain", "plain@acme.test");
    const char *pw = "correct horse battery staple";
    OK(rolecall_password_set(dir, root, bg, pw, false));
    OK(rolecall_password_set(dir, root, other, pw, false));
    rolecall_password_policy p;
    OK(rolecall_password_policy_default(&p));
    p.max_failed_logins = 2;
    OK(rolecall_password_policy_set(dir, root, &p));
    CHECK_STATUS(rolecall_set_break_glass(dir, other, bg, true), ROLECALL_STATUS_SUPERADMIN_ONLY);
    CHECK_STATUS(rolecall_set_break_glass(dir, root, 999999, true), ROLECALL_STATUS_UNKNOWN_USER);
    CHECK_STATUS(rolecall_set_break_glass(NULL, root, bg, true), ROLECALL_STATUS_NULL_POINTER);
    OK(rolecall_set_break_glass(dir, root, bg, true));
    rolecall_user *u = NULL;
    OK(rolecall_user_get(dir, bg, &u));
    CHECK(u && u->break_glass);
    rolecall_user_free(u);
    drained(ROLECALL_NOTIFICATION_BREAK_GLASS_USED, bg);

    rolecall_session sess;
    for (int i = 0; i < 3; i++) {
        CHECK_STATUS(rolecall_login(dir, tenant, "glass@acme.test", "wrong password here", &sess),
                     ROLECALL_STATUS_AUTHENTICATION_FAILED);
        CHECK(rolecall_login(dir, tenant, "plain@acme.test", "wrong password here", &sess) != 0);
    }
    /* The ordinary account is locked out; the break-glass one is not. */
    CHECK(rolecall_login(dir, tenant, "plain@acme.test", pw, &sess) != ROLECALL_STATUS_OK);
    OK(rolecall_login(dir, tenant, "glass@acme.test", pw, &sess));
    CHECK(sess.user == bg);
    rolecall_notification_list *l = NULL;
    OK(rolecall_directory_drain_notifications(dir, &l));
    size_t logins = 0;
    for (size_t i = 0; l && i < l->len; i++) {
        rolecall_notification *n = &l->items[i];
        if (n->kind != ROLECALL_NOTIFICATION_BREAK_GLASS_USED) continue;
        CHECK(n->user == bg && n->action && n->justification == NULL);
        CHECK_STR(n->email, "glass@acme.test");
        logins += n->action && strcmp(n->action, "login") == 0;
    }
    CHECK(logins == 4);
    rolecall_notification_list_free(l);
    /* An ordinary account again. */
    OK(rolecall_set_break_glass(dir, root, bg, false));
    OK(rolecall_user_get(dir, bg, &u));
    CHECK(u && !u->break_glass);
    rolecall_user_free(u);
    OK(rolecall_password_policy_default(&p));
    OK(rolecall_password_policy_set(dir, root, &p));
}

int main(void) {
    OK(rolecall_manual_clock_new(T0, &clk));
    OK(rolecall_directory_open_in_memory_with_clock(clk, &dir));
    OK(rolecall_directory_set_hash_params(dir, 8, 1, 1));
    rolecall_new_user su = {0};
    su.first_name = "Ada";
    su.last_name = "Root";
    su.email = "root@acme.test";
    rolecall_preset presets[] = {ROLECALL_PRESET_MANAGERS, ROLECALL_PRESET_DASHBOARD};
    rolecall_tenant_created *tc = NULL;
    OK(rolecall_tenant_create(dir, "Acme", &su, presets, 2, &tc));
    if (!tc) return tu_report("timed");
    tenant = tc->tenant;
    root = tc->superadmin;
    rolecall_tenant_created_free(tc);

    clock_calls();
    role_for_an_hour();
    later_extend_permanent();
    every_kind();
    bad_input();
    activation();
    break_glass();
    sqlite_on_a_clock();

    rolecall_directory_free(dir);
    rolecall_manual_clock_free(clk);
    return tu_report("timed");
}
