/* Contact-center scopes through the C ABI (issue 15): built-in and custom kinds, the scope
 * hierarchy (create under, move, delete moving, children), per-scope role grants, teams and
 * "my team only" checks (rolecall_check_user), actor-aware reads, allowed scopes of a kind;
 * bad input (NULL, invalid UTF-8, cycles, not a team, outside teams) gets a typed status.
 * Built with -std=c11 -Wall -Wextra -Werror, linked shared and static, run under valgrind. */
#include <stdint.h>
#include <stdlib.h>

#include "testutil.h"

#define BAD "bad\xff\xfeutf8"

static rolecall_directory *dir;
static rolecall_user_id root;

static rolecall_user_id user(const char *first, const char *email, const rolecall_scope_id *teams,
                             size_t teams_len, const rolecall_scope_grant *grants,
                             size_t grants_len) {
    rolecall_new_user u = {0};
    u.first_name = first;
    u.last_name = "Agent";
    u.email = email;
    u.teams = teams;
    u.teams_len = teams_len;
    u.grants = grants;
    u.grants_len = grants_len;
    rolecall_user_id id = 0;
    OK(rolecall_user_create(dir, root, &u, &id));
    return id;
}

/* The ids of an id list, then frees it; `want` is 0-terminated. */
static int ids_are(rolecall_id_list *l, const uint64_t *want) {
    size_t n = 0;
    while (want[n]) n++;
    int same = l && l->len == n;
    for (size_t i = 0; same && i < n; i++) same = l->ids[i] == want[i];
    rolecall_id_list_free(l);
    return same;
}

static rolecall_id_list *children(rolecall_scope_id s) {
    rolecall_id_list *l = NULL;
    OK(rolecall_scope_children(dir, s, &l));
    return l;
}

static rolecall_id_list *members(rolecall_scope_id s) {
    rolecall_id_list *l = NULL;
    OK(rolecall_team_members(dir, s, &l));
    return l;
}

static void kinds(void) {
    rolecall_scope_kind k = 99;
    OK(rolecall_scope_kind_from_name("queue", &k));
    CHECK(k == ROLECALL_SCOPE_KIND_QUEUE);
    OK(rolecall_scope_kind_from_name("campaign", &k));
    CHECK(k == ROLECALL_SCOPE_KIND_CAMPAIGN);
    OK(rolecall_scope_kind_from_name("number", &k));
    CHECK(k == ROLECALL_SCOPE_KIND_NUMBER);
    OK(rolecall_scope_kind_from_name("team", &k));
    CHECK(k == ROLECALL_SCOPE_KIND_TEAM);
    OK(rolecall_scope_kind_from_name("brand", &k));
    CHECK(k == ROLECALL_SCOPE_KIND_CUSTOM);
    CHECK_STATUS(rolecall_scope_kind_from_name("Not A Kind", &k), ROLECALL_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(rolecall_scope_kind_from_name(BAD, &k), ROLECALL_STATUS_INVALID_UTF8);
    CHECK_STATUS(rolecall_scope_kind_from_name(NULL, &k), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STR(rolecall_scope_kind_name(ROLECALL_SCOPE_KIND_QUEUE), "queue");
    CHECK_STR(rolecall_scope_kind_name(ROLECALL_SCOPE_KIND_CAMPAIGN), "campaign");
    CHECK_STR(rolecall_scope_kind_name(ROLECALL_SCOPE_KIND_NUMBER), "number");
    CHECK_STR(rolecall_scope_kind_name(ROLECALL_SCOPE_KIND_TEAM), "team");
    CHECK(rolecall_scope_kind_name(ROLECALL_SCOPE_KIND_CUSTOM) == NULL);
    CHECK(rolecall_scope_kind_name(6) == NULL);
}

static void scenario(void) {
    rolecall_scope_id site = 0, sales = 0, support = 0, q1 = 0, brand = 0, none = 0;
    /* Parent 0: a root. */
    OK(rolecall_scope_create_under(dir, root, 0, ROLECALL_SCOPE_KIND_TEAM, "Lyon", &site));
    OK(rolecall_scope_create_under(dir, root, site, ROLECALL_SCOPE_KIND_TEAM, "Sales", &sales));
    OK(rolecall_scope_create_of_kind(dir, root, site, "team", "Support", &support));
    OK(rolecall_scope_create_under(dir, root, sales, ROLECALL_SCOPE_KIND_QUEUE, "Sales EN", &q1));
    OK(rolecall_scope_create_of_kind(dir, root, 0, "brand", "Acme Blue", &brand));
    CHECK(site && sales && support && q1 && brand);
    CHECK_STATUS(rolecall_scope_create_under(dir, root, 0, ROLECALL_SCOPE_KIND_CUSTOM, "x", &none),
                 ROLECALL_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(rolecall_scope_create(dir, root, ROLECALL_SCOPE_KIND_CUSTOM, "x", &none),
                 ROLECALL_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(rolecall_scope_create_of_kind(dir, root, 0, "Bad Kind", "x", &none),
                 ROLECALL_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(rolecall_scope_create_under(dir, root, 999, ROLECALL_SCOPE_KIND_QUEUE, "x", &none),
                 ROLECALL_STATUS_UNKNOWN_SCOPE);
    CHECK_STATUS(rolecall_scope_create_of_kind(dir, root, 0, NULL, "x", &none),
                 ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_scope_create_of_kind(dir, root, 0, BAD, "x", &none),
                 ROLECALL_STATUS_INVALID_UTF8);
    CHECK_STATUS(rolecall_scope_create_of_kind(dir, root, 0, "queue", BAD, &none),
                 ROLECALL_STATUS_INVALID_UTF8);
    CHECK_STATUS(rolecall_scope_create_under(dir, root, 0, ROLECALL_SCOPE_KIND_QUEUE, "x", NULL),
                 ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_scope_create_under(NULL, root, 0, ROLECALL_SCOPE_KIND_QUEUE, "x", &none),
                 ROLECALL_STATUS_NULL_POINTER);
    CHECK(none == 0);

    rolecall_scope *s = NULL;
    OK(rolecall_scope_get(dir, sales, &s));
    CHECK(s && s->parent == site && s->kind == ROLECALL_SCOPE_KIND_TEAM);
    if (s) CHECK_STR(s->kind_name, "team");
    rolecall_scope_free(s);
    s = NULL;
    OK(rolecall_scope_get(dir, brand, &s));
    CHECK(s && s->parent == 0 && s->kind == ROLECALL_SCOPE_KIND_CUSTOM);
    if (s) CHECK_STR(s->kind_name, "brand");
    if (s) CHECK_STR(s->name, "Acme Blue");
    rolecall_scope_free(s);
    rolecall_scope_list *all = NULL;
    OK(rolecall_tenant_scopes(dir, 1, &all));
    CHECK(all && all->len == 5 && all->items[3].parent == sales);
    if (all && all->len == 5) CHECK_STR(all->items[3].kind_name, "queue");
    rolecall_scope_list_free(all);

    CHECK(ids_are(children(site), (uint64_t[]){sales, support, 0}));
    CHECK(ids_are(children(q1), (uint64_t[]){0}));
    rolecall_id_list *l = NULL;
    CHECK_STATUS(rolecall_scope_children(dir, 999, &l), ROLECALL_STATUS_UNKNOWN_SCOPE);
    CHECK_STATUS(rolecall_scope_children(dir, site, NULL), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_team_members(dir, 999, &l), ROLECALL_STATUS_UNKNOWN_SCOPE);
    CHECK_STATUS(rolecall_team_members(NULL, site, &l), ROLECALL_STATUS_NULL_POINTER);
    CHECK(l == NULL);

    /* A team lead holding users.view and users.manage for Sales only. */
    rolecall_new_role r = {0};
    r.name = "Team lead";
    r.permissions = rolecall_permission_union(ROLECALL_PERM_USERS_VIEW, ROLECALL_PERM_USERS_MANAGE);
    rolecall_role_id lead = 0;
    OK(rolecall_role_create(dir, root, &r, &lead));
    rolecall_scope_grant g = {lead, sales};
    rolecall_user_id tom = user("Tom", "tom@acme.test", NULL, 0, &g, 1);
    rolecall_user_id ann = user("Ann", "ann@acme.test", (rolecall_scope_id[]){sales}, 1, NULL, 0);
    rolecall_user_id sam = user("Sam", "sam@acme.test", (rolecall_scope_id[]){support}, 1, NULL, 0);
    /* A grant array with a length and no pointer, a team that is a queue. */
    rolecall_new_user bad = {0};
    bad.first_name = "Bo";
    bad.last_name = "Bad";
    bad.email = "bo@acme.test";
    bad.grants_len = 1;
    rolecall_user_id nobody = 0;
    CHECK_STATUS(rolecall_user_create(dir, root, &bad, &nobody), ROLECALL_STATUS_NULL_POINTER);
    bad.grants_len = 0;
    bad.teams = &q1;
    bad.teams_len = 1;
    CHECK_STATUS(rolecall_user_create(dir, root, &bad, &nobody), ROLECALL_STATUS_NOT_A_TEAM);
    CHECK(nobody == 0);

    rolecall_user *u = NULL;
    OK(rolecall_user_get(dir, tom, &u));
    CHECK(u && u->grants_len == 1 && u->grants[0].role == lead && u->grants[0].scope == sales);
    CHECK(u && u->teams_len == 0 && u->teams == NULL);
    rolecall_user_free(u);
    u = NULL;
    OK(rolecall_user_get(dir, ann, &u));
    CHECK(u && u->teams_len == 1 && u->teams[0] == sales && u->grants_len == 0);
    rolecall_user_free(u);
    CHECK(ids_are(members(sales), (uint64_t[]){ann, 0}));

    /* My team only. */
    CHECK(rolecall_check_user(dir, tom, ROLECALL_PERM_USERS_MANAGE, ann));
    CHECK(!rolecall_check_user(dir, tom, ROLECALL_PERM_USERS_MANAGE, sam));
    CHECK(!rolecall_check_user(dir, ann, ROLECALL_PERM_USERS_VIEW, tom));
    CHECK(rolecall_check_user(dir, root, ROLECALL_PERM_USERS_MANAGE, sam));
    CHECK(!rolecall_check_user(dir, tom, ROLECALL_PERM_USERS_MANAGE, 999));
    CHECK(!rolecall_check_user(NULL, tom, ROLECALL_PERM_USERS_MANAGE, ann));
    CHECK(rolecall_last_error_code() == ROLECALL_STATUS_NULL_POINTER);
    CHECK(rolecall_check_scoped(dir, tom, ROLECALL_PERM_USERS_MANAGE, sales));
    CHECK(!rolecall_check_scoped(dir, tom, ROLECALL_PERM_USERS_MANAGE, support));
    rolecall_snapshot *snap = NULL;
    OK(rolecall_directory_snapshot(dir, &snap));
    CHECK(rolecall_snapshot_check_user(snap, tom, ROLECALL_PERM_USERS_MANAGE, ann));
    CHECK(!rolecall_snapshot_check_user(snap, tom, ROLECALL_PERM_USERS_MANAGE, sam));
    CHECK(!rolecall_snapshot_check_user(NULL, tom, ROLECALL_PERM_USERS_MANAGE, ann));
    /* A directory handle is not a snapshot. */
    CHECK(!rolecall_snapshot_check_user((const rolecall_snapshot *)(const void *)dir, tom,
                                        ROLECALL_PERM_USERS_MANAGE, ann));
    CHECK(rolecall_last_error_code() == ROLECALL_STATUS_INVALID_HANDLE);

    rolecall_explanation *e = NULL;
    OK(rolecall_explain(dir, tom, ROLECALL_PERM_USERS_MANAGE, &e));
    CHECK(e && e->grants_len == 1 && e->grants[0].has_scope && e->grants[0].scope == sales &&
          e->grants[0].role == lead && e->grants[0].scoped);
    rolecall_explanation_free(e);

    /* Allowed scopes of a kind. */
    rolecall_scope_access *a = NULL;
    OK(rolecall_allowed_scopes_of_kind(dir, tom, ROLECALL_PERM_USERS_VIEW, "queue", &a));
    CHECK(a && !a->all && a->scopes_len == 1 && a->scopes[0] == q1);
    rolecall_scope_access_free(a);
    a = NULL;
    OK(rolecall_allowed_scopes_of_kind(dir, tom, ROLECALL_PERM_USERS_VIEW, "team", &a));
    CHECK(a && !a->all && a->scopes_len == 1 && a->scopes[0] == sales);
    rolecall_scope_access_free(a);
    a = NULL;
    OK(rolecall_allowed_scopes_of_kind(dir, tom, ROLECALL_PERM_USERS_VIEW, "brand", &a));
    CHECK(a && !a->all && a->scopes_len == 0);
    rolecall_scope_access_free(a);
    a = NULL;
    OK(rolecall_allowed_scopes_of_kind(dir, root, ROLECALL_PERM_USERS_VIEW, "team", &a));
    CHECK(a && a->all && a->scopes == NULL);
    rolecall_scope_access_free(a);
    a = NULL;
    CHECK_STATUS(rolecall_allowed_scopes_of_kind(dir, tom, ROLECALL_PERM_USERS_VIEW, "Bad!", &a),
                 ROLECALL_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(rolecall_allowed_scopes_of_kind(dir, tom, ROLECALL_PERM_USERS_VIEW, NULL, &a),
                 ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_allowed_scopes_of_kind(dir, tom, ROLECALL_PERM_USERS_VIEW, BAD, &a),
                 ROLECALL_STATUS_INVALID_UTF8);
    CHECK_STATUS(rolecall_allowed_scopes_of_kind(dir, 999, ROLECALL_PERM_USERS_VIEW, "queue", &a),
                 ROLECALL_STATUS_UNKNOWN_USER);
    CHECK(a == NULL);

    /* Actor-aware reads. */
    u = NULL;
    OK(rolecall_user_get_as(dir, tom, ann, &u));
    CHECK(u && u->id == ann);
    rolecall_user_free(u);
    u = NULL;
    CHECK_STATUS(rolecall_user_get_as(dir, tom, sam, &u), ROLECALL_STATUS_OUTSIDE_TEAMS);
    CHECK_STATUS(rolecall_user_get_as(dir, ann, sam, &u), ROLECALL_STATUS_PERMISSION_DENIED);
    CHECK_STATUS(rolecall_user_get_as(dir, tom, 999, &u), ROLECALL_STATUS_UNKNOWN_USER);
    CHECK_STATUS(rolecall_user_get_as(dir, tom, ann, NULL), ROLECALL_STATUS_NULL_POINTER);
    CHECK(u == NULL);
    rolecall_user_query q;
    OK(rolecall_user_query_default(&q));
    rolecall_user_list *found = NULL;
    OK(rolecall_user_search_as(dir, tom, &q, &found));
    int sees_ann = 0, sees_sam = 0;
    for (size_t i = 0; found && i < found->len; i++) {
        sees_ann |= found->items[i].id == ann;
        sees_sam |= found->items[i].id == sam;
    }
    CHECK(found && sees_ann && !sees_sam && found->total == found->len);
    rolecall_user_list_free(found);
    found = NULL;
    OK(rolecall_user_search_as(dir, root, &q, &found));
    CHECK(found && found->total == 4);
    rolecall_user_list_free(found);
    found = NULL;
    OK(rolecall_user_search_as(dir, ann, &q, &found));
    CHECK(found && found->total == 0 && found->items == NULL);
    rolecall_user_list_free(found);
    found = NULL;
    q.text = BAD;
    CHECK_STATUS(rolecall_user_search_as(dir, tom, &q, &found), ROLECALL_STATUS_INVALID_UTF8);
    q.text = NULL;
    q.limit = 0;
    CHECK_STATUS(rolecall_user_search_as(dir, tom, &q, &found), ROLECALL_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(rolecall_user_search_as(dir, tom, NULL, &found), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_user_search_as(dir, 999, &q, &found), ROLECALL_STATUS_UNKNOWN_USER);
    CHECK(found == NULL);

    /* Teams. */
    CHECK_STATUS(rolecall_user_set_teams(dir, tom, sam, &sales, 1), ROLECALL_STATUS_OUTSIDE_TEAMS);
    CHECK_STATUS(rolecall_user_set_teams(dir, root, ann, &q1, 1), ROLECALL_STATUS_NOT_A_TEAM);
    CHECK_STATUS(rolecall_user_set_teams(dir, root, ann, NULL, 1), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_user_set_teams(dir, root, ann, &sales, SIZE_MAX),
                 ROLECALL_STATUS_INVALID_LENGTH);
    CHECK_STATUS(rolecall_user_set_teams(dir, root, ann, (rolecall_scope_id[]){999}, 1),
                 ROLECALL_STATUS_UNKNOWN_SCOPE);
    OK(rolecall_user_set_teams(dir, root, ann, (rolecall_scope_id[]){sales, support}, 2));
    CHECK(ids_are(members(support), (uint64_t[]){ann, sam, 0}));
    /* Tom adds Ann to no team he does not administer: taking her out of Support is refused. */
    CHECK_STATUS(rolecall_user_set_teams(dir, tom, ann, &sales, 1), ROLECALL_STATUS_OUTSIDE_TEAMS);
    OK(rolecall_user_set_teams(dir, root, ann, &sales, 1));
    CHECK(ids_are(members(support), (uint64_t[]){sam, 0}));

    /* Per-scope grants. */
    OK(rolecall_user_grant_role_in_scope(dir, root, sam, lead, support));
    CHECK(rolecall_check_user(dir, sam, ROLECALL_PERM_USERS_VIEW, sam));
    CHECK(!rolecall_check_user(dir, sam, ROLECALL_PERM_USERS_VIEW, ann));
    CHECK_STATUS(rolecall_user_grant_role_in_scope(dir, root, sam, 999, support),
                 ROLECALL_STATUS_UNKNOWN_ROLE);
    CHECK_STATUS(rolecall_user_grant_role_in_scope(dir, root, sam, lead, 999),
                 ROLECALL_STATUS_UNKNOWN_SCOPE);
    CHECK_STATUS(rolecall_user_grant_role_in_scope(dir, tom, sam, lead, support),
                 ROLECALL_STATUS_OUTSIDE_TEAMS);
    CHECK_STATUS(rolecall_user_grant_role_in_scope(NULL, root, sam, lead, support),
                 ROLECALL_STATUS_NULL_POINTER);
    OK(rolecall_user_revoke_role_in_scope(dir, root, sam, lead, support));
    CHECK(!rolecall_check_user(dir, sam, ROLECALL_PERM_USERS_VIEW, sam));
    OK(rolecall_user_revoke_role_in_scope(dir, root, sam, lead, support));
    CHECK_STATUS(rolecall_user_revoke_role_in_scope(dir, root, 999, lead, support),
                 ROLECALL_STATUS_UNKNOWN_USER);

    /* Moves: a cycle is refused; Support under Sales puts Sam in Tom's reach, and back. */
    CHECK_STATUS(rolecall_scope_move(dir, root, site, q1), ROLECALL_STATUS_SCOPE_CYCLE);
    CHECK_STATUS(rolecall_scope_move(dir, root, site, site), ROLECALL_STATUS_SCOPE_CYCLE);
    CHECK_STATUS(rolecall_scope_move(dir, root, 999, 0), ROLECALL_STATUS_UNKNOWN_SCOPE);
    OK(rolecall_scope_move(dir, root, support, sales));
    CHECK(rolecall_check_user(dir, tom, ROLECALL_PERM_USERS_MANAGE, sam));
    CHECK(!rolecall_snapshot_check_user(snap, tom, ROLECALL_PERM_USERS_MANAGE, sam));
    rolecall_snapshot_free(snap);
    OK(rolecall_scope_move(dir, root, support, 0));
    CHECK(!rolecall_check_user(dir, tom, ROLECALL_PERM_USERS_MANAGE, sam));
    s = NULL;
    OK(rolecall_scope_get(dir, support, &s));
    CHECK(s && s->parent == 0);
    rolecall_scope_free(s);

    /* Deleting: refused while not empty; moving children and members to the parent. */
    CHECK_STATUS(rolecall_scope_delete(dir, root, sales), ROLECALL_STATUS_SCOPE_NOT_EMPTY);
    OK(rolecall_scope_delete_moving(dir, root, sales));
    s = NULL;
    OK(rolecall_scope_get(dir, q1, &s));
    CHECK(s && s->parent == site);
    rolecall_scope_free(s);
    CHECK(ids_are(children(site), (uint64_t[]){q1, 0}));
    CHECK(ids_are(members(site), (uint64_t[]){ann, 0}));
    CHECK_STATUS(rolecall_scope_delete_moving(dir, root, sales), ROLECALL_STATUS_UNKNOWN_SCOPE);
    CHECK_STATUS(rolecall_scope_delete_moving(NULL, root, site), ROLECALL_STATUS_NULL_POINTER);
    u = NULL;
    OK(rolecall_user_get(dir, tom, &u));
    CHECK(u && u->grants_len == 0 && u->grants == NULL);
    rolecall_user_free(u);
}

int main(void) {
    kinds();
    OK(rolecall_directory_open_in_memory(&dir));
    rolecall_new_user sa = {0};
    sa.first_name = "Ada";
    sa.last_name = "Root";
    sa.email = "ada@acme.test";
    rolecall_preset preset = ROLECALL_PRESET_MANAGERS;
    rolecall_tenant_created *t = NULL;
    OK(rolecall_tenant_create(dir, "Acme", &sa, &preset, 1, &t));
    root = t ? t->superadmin : 0;
    rolecall_tenant_created_free(t);
    scenario();
    rolecall_directory_free(dir);
    return tu_report("scopes");
}
