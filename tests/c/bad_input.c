/* Hostile and broken input through the C ABI: NULL for every pointer argument, invalid UTF-8
 * in every string argument, handles of the wrong type, array lengths that disagree or cannot
 * be real, buffers that are too small, unknown names and numbers, objects of another tenant.
 * Every case must give its status code and a message, change nothing, and never crash. */
#include <stdint.h>
#include <stdlib.h>

#include "testutil.h"

#define BAD "bad\xff\xfeutf8"

static rolecall_directory *dir;
static rolecall_tenant_id ta, tb;
static rolecall_user_id ra, rb, alice;
static rolecall_role_id operator_a, operator_b;
static rolecall_group_id group_a;
static rolecall_scope_id scope_a, scope_b;
static rolecall_agreement_id agreement_a;

static uint64_t revision(void) {
    uint64_t r = 0;
    rolecall_directory_revision(dir, &r);
    return r;
}

/* The call must fail with `code`, leave a message naming `what` (when given) and change
 * nothing. */
#define REFUSED(call, code, what)                                                            \
    do {                                                                                     \
        uint64_t rev_before_ = revision();                                                   \
        rolecall_last_error_clear();                                                         \
        CHECK_STATUS(call, code);                                                            \
        const char *what_ = (what);                                                          \
        if (what_) CHECK(strstr(rolecall_last_error_message(), what_) != NULL);               \
        CHECK(revision() == rev_before_);                                                    \
    } while (0)

#define NUL(call, what) REFUSED(call, ROLECALL_STATUS_NULL_POINTER, what)
#define UTF8(call, what) REFUSED(call, ROLECALL_STATUS_INVALID_UTF8, what)

static void setup(void) {
    CHECK(rolecall_directory_open_in_memory(&dir) == ROLECALL_STATUS_OK);
    rolecall_directory_set_hash_params(dir, 8, 1, 1);
    rolecall_preset m = ROLECALL_PRESET_MANAGERS;
    rolecall_new_user root = {0};
    root.first_name = "Ra";
    root.last_name = "Root";
    root.email = "root@a.test";
    rolecall_tenant_created *c = NULL;
    OK(rolecall_tenant_create(dir, "A", &root, &m, 1, &c));
    ta = c->tenant;
    ra = c->superadmin;
    rolecall_tenant_created_free(c);
    root.first_name = "Rb";
    root.email = "root@b.test";
    c = NULL;
    OK(rolecall_tenant_create(dir, "B", &root, &m, 1, &c));
    tb = c->tenant;
    rb = c->superadmin;
    rolecall_tenant_created_free(c);
    rolecall_role *r = NULL;
    OK(rolecall_role_by_name(dir, ta, "Operator", &r));
    operator_a = r->id;
    rolecall_role_free(r);
    OK(rolecall_role_by_name(dir, tb, "Operator", &r));
    operator_b = r->id;
    rolecall_role_free(r);
    rolecall_new_user u = {0};
    u.first_name = "Alice";
    u.last_name = "Smith";
    u.email = "alice@a.test";
    u.roles = &operator_a;
    u.roles_len = 1;
    OK(rolecall_user_create(dir, ra, &u, &alice));
    OK(rolecall_group_create(dir, ra, "Ops", NULL, 0, &group_a));
    OK(rolecall_scope_create(dir, ra, ROLECALL_SCOPE_KIND_IVR, "Menu", &scope_a));
    OK(rolecall_scope_create(dir, rb, ROLECALL_SCOPE_KIND_IVR, "Menu", &scope_b));
    OK(rolecall_agreement_create(dir, ra, "Contract", ra, &agreement_a));
    OK(rolecall_password_set(dir, ra, alice, "violet-harbour-41-lantern", false));
}

static void null_pointers(void) {
    rolecall_permission p = ROLECALL_PERM_USERS_VIEW;
    rolecall_new_user nu = {0};
    nu.first_name = "N";
    nu.last_name = "U";
    nu.email = "nu@a.test";
    rolecall_user_patch up = {0};
    rolecall_new_role nr = {0};
    nr.name = "R";
    rolecall_role_patch rp = {0};
    rolecall_user_query uq;
    OK(rolecall_user_query_default(&uq));
    rolecall_audit_query aq;
    OK(rolecall_audit_query_default(&aq));
    rolecall_password_policy pol;
    OK(rolecall_password_policy_default(&pol));
    uint64_t u64;
    bool b;
    rolecall_access_level lvl;
    rolecall_session sess;
    rolecall_credential_status cs;
    rolecall_snapshot *snap = NULL;
    OK(rolecall_directory_snapshot(dir, &snap));
    bool res[1];
    rolecall_user_id ids[1] = {alice};

    /* Library, permissions and enumerations. */
    NUL(rolecall_permission_from_name(NULL, &p), "name");
    NUL(rolecall_permission_from_name("users.view", NULL), "out");
    NUL(rolecall_permission_parse(NULL, &p), "text");
    NUL(rolecall_permission_parse("users.view", NULL), "out");
    NUL(rolecall_permission_to_string(p, NULL, 8, NULL), "buf");
    /* A size query: no buffer, the size needed is reported. */
    CHECK_STATUS(rolecall_permission_to_string(p, NULL, 0, &u64), ROLECALL_STATUS_BUFFER_TOO_SMALL);
    CHECK(u64 == strlen("users.view") + 1);
    OK(rolecall_catalogue_get(0, NULL, NULL)); /* both outs optional */
    rolecall_product prod;
    rolecall_preset pre;
    rolecall_scope_kind kind;
    NUL(rolecall_product_from_name(NULL, &prod), "name");
    NUL(rolecall_product_from_name("core", NULL), "out");
    NUL(rolecall_access_level_from_name(NULL, &lvl), "name");
    NUL(rolecall_access_level_from_name("user", NULL), "out");
    NUL(rolecall_preset_from_name(NULL, &pre), "name");
    NUL(rolecall_preset_from_name("managers", NULL), "out");
    NUL(rolecall_scope_kind_from_name(NULL, &kind), "name");
    NUL(rolecall_scope_kind_from_name("ivr", NULL), "out");
    NUL(rolecall_preset_roles(ROLECALL_PRESET_MANAGERS, NULL), "out");
    CHECK(rolecall_last_error_message_copy(NULL, 4, NULL) == ROLECALL_STATUS_NULL_POINTER);
    NUL(rolecall_user_query_default(NULL), "out");
    NUL(rolecall_audit_query_default(NULL), "out");
    NUL(rolecall_password_policy_default(NULL), "out");

    /* Directory. */
    NUL(rolecall_directory_open_in_memory(NULL), "out");
    rolecall_directory *d2 = NULL;
    NUL(rolecall_directory_open_sqlite(NULL, &d2), "path");
    NUL(rolecall_directory_open_sqlite("/tmp/never-created.db", NULL), "out");
    CHECK(d2 == NULL);
    NUL(rolecall_directory_revision(NULL, &u64), "directory");
    NUL(rolecall_directory_revision(dir, NULL), "out");
    NUL(rolecall_directory_refresh(NULL, &u64), "directory");
    OK(rolecall_directory_refresh(dir, NULL)); /* out optional */
    NUL(rolecall_directory_set_hash_params(NULL, 8, 1, 1), "directory");
    NUL(rolecall_directory_drain_notifications(NULL, NULL), "out");
    rolecall_notification_list *nl = NULL;
    NUL(rolecall_directory_drain_notifications(NULL, &nl), "directory");
    NUL(rolecall_directory_on_notification(NULL, NULL, NULL), "directory");
    NUL(rolecall_directory_snapshot(NULL, &snap), "directory");
    NUL(rolecall_directory_snapshot(dir, NULL), "out");
    NUL(rolecall_snapshot_revision(NULL, &u64), "snapshot");
    NUL(rolecall_snapshot_revision(snap, NULL), "out");
    NUL(rolecall_snapshot_memory_bytes(NULL, &u64), "snapshot");
    NUL(rolecall_snapshot_memory_bytes(snap, NULL), "out");
    rolecall_tenant_list *tl = NULL;
    NUL(rolecall_directory_tenants(NULL, &tl), "directory");
    NUL(rolecall_directory_tenants(dir, NULL), "out");

    /* Tenants. */
    rolecall_tenant_created *tc = NULL;
    NUL(rolecall_tenant_create(NULL, "T", &nu, NULL, 0, &tc), "directory");
    NUL(rolecall_tenant_create(dir, NULL, &nu, NULL, 0, &tc), "name");
    NUL(rolecall_tenant_create(dir, "T", NULL, NULL, 0, &tc), "superadmin");
    NUL(rolecall_tenant_create(dir, "T", &nu, NULL, 1, &tc), "presets");
    NUL(rolecall_tenant_create(dir, "T", &nu, NULL, 0, NULL), "out");
    rolecall_new_user broken = nu;
    broken.first_name = NULL;
    NUL(rolecall_tenant_create(dir, "T", &broken, NULL, 0, &tc), "new_user.first_name");
    broken = nu;
    broken.last_name = NULL;
    NUL(rolecall_tenant_create(dir, "T", &broken, NULL, 0, &tc), "new_user.last_name");
    broken = nu;
    broken.email = NULL;
    NUL(rolecall_tenant_create(dir, "T", &broken, NULL, 0, &tc), "new_user.email");
    broken = nu;
    broken.roles_len = 2;
    NUL(rolecall_tenant_create(dir, "T", &broken, NULL, 0, &tc), "new_user.roles");
    CHECK(tc == NULL);
    NUL(rolecall_preset_install(NULL, ra, ROLECALL_PRESET_DASHBOARD, NULL), "directory");
    rolecall_tenant *t = NULL;
    NUL(rolecall_tenant_get(NULL, ta, &t), "directory");
    NUL(rolecall_tenant_get(dir, ta, NULL), "out");
    NUL(rolecall_password_policy_get(NULL, ta, &pol), "directory");
    NUL(rolecall_password_policy_get(dir, ta, NULL), "out");
    NUL(rolecall_password_policy_set(NULL, ra, &pol), "directory");
    NUL(rolecall_password_policy_set(dir, ra, NULL), "policy");

    /* Users. */
    rolecall_user_id uid;
    rolecall_user *u = NULL;
    rolecall_user_list *ul = NULL;
    rolecall_id_list *il = NULL;
    NUL(rolecall_user_create(NULL, ra, &nu, &uid), "directory");
    NUL(rolecall_user_create(dir, ra, NULL, &uid), "user");
    NUL(rolecall_user_create(dir, ra, &nu, NULL), "out");
    broken = nu;
    broken.email = NULL;
    NUL(rolecall_user_create(dir, ra, &broken, &uid), "new_user.email");
    NUL(rolecall_user_update(NULL, ra, alice, &up), "directory");
    NUL(rolecall_user_update(dir, ra, alice, NULL), "patch");
    NUL(rolecall_user_set_active(NULL, ra, alice, false), "directory");
    NUL(rolecall_user_delete(NULL, ra, alice), "directory");
    NUL(rolecall_user_assign_role(NULL, ra, alice, operator_a), "directory");
    NUL(rolecall_user_revoke_role(NULL, ra, alice, operator_a), "directory");
    NUL(rolecall_user_set_roles(NULL, ra, alice, NULL, 0), "directory");
    NUL(rolecall_user_set_roles(dir, ra, alice, NULL, 1), "roles");
    NUL(rolecall_user_set_scopes(NULL, ra, alice, NULL, 0), "directory");
    NUL(rolecall_user_set_scopes(dir, ra, alice, NULL, 3), "scopes");
    NUL(rolecall_user_get(NULL, alice, &u), "directory");
    NUL(rolecall_user_get(dir, alice, NULL), "out");
    NUL(rolecall_user_by_email(NULL, ta, "alice@a.test", &u), "directory");
    NUL(rolecall_user_by_email(dir, ta, NULL, &u), "email");
    NUL(rolecall_user_by_email(dir, ta, "alice@a.test", NULL), "out");
    NUL(rolecall_user_search(NULL, ta, &uq, &ul), "directory");
    NUL(rolecall_user_search(dir, ta, NULL, &ul), "query");
    NUL(rolecall_user_search(dir, ta, &uq, NULL), "out");
    NUL(rolecall_user_inactive_for(NULL, ta, 1, &ul), "directory");
    NUL(rolecall_user_inactive_for(dir, ta, 1, NULL), "out");
    NUL(rolecall_user_groups(NULL, alice, &il), "directory");
    NUL(rolecall_user_groups(dir, alice, NULL), "out");
    NUL(rolecall_user_unlock(NULL, ra, alice), "directory");

    /* Roles and groups. */
    rolecall_role_id rid;
    rolecall_role *r = NULL;
    rolecall_role_list *rl = NULL;
    rolecall_group_id gid;
    rolecall_group *g = NULL;
    rolecall_group_list *gl = NULL;
    NUL(rolecall_role_create(NULL, ra, &nr, &rid), "directory");
    NUL(rolecall_role_create(dir, ra, NULL, &rid), "role");
    NUL(rolecall_role_create(dir, ra, &nr, NULL), "out");
    rolecall_new_role nr2 = nr;
    nr2.name = NULL;
    NUL(rolecall_role_create(dir, ra, &nr2, &rid), "role.name");
    NUL(rolecall_role_update(NULL, ra, operator_a, &rp), "directory");
    NUL(rolecall_role_update(dir, ra, operator_a, NULL), "patch");
    NUL(rolecall_role_delete(NULL, ra, operator_a), "directory");
    NUL(rolecall_role_get(NULL, operator_a, &r), "directory");
    NUL(rolecall_role_get(dir, operator_a, NULL), "out");
    NUL(rolecall_role_by_name(NULL, ta, "Operator", &r), "directory");
    NUL(rolecall_role_by_name(dir, ta, NULL, &r), "name");
    NUL(rolecall_role_by_name(dir, ta, "Operator", NULL), "out");
    NUL(rolecall_tenant_roles(NULL, ta, &rl), "directory");
    NUL(rolecall_tenant_roles(dir, ta, NULL), "out");
    NUL(rolecall_group_create(NULL, ra, "G", NULL, 0, &gid), "directory");
    NUL(rolecall_group_create(dir, ra, NULL, NULL, 0, &gid), "name");
    NUL(rolecall_group_create(dir, ra, "G", NULL, 1, &gid), "roles");
    NUL(rolecall_group_create(dir, ra, "G", NULL, 0, NULL), "out");
    NUL(rolecall_group_rename(NULL, ra, group_a, "G"), "directory");
    NUL(rolecall_group_rename(dir, ra, group_a, NULL), "name");
    NUL(rolecall_group_add_role(NULL, ra, group_a, operator_a), "directory");
    NUL(rolecall_group_remove_role(NULL, ra, group_a, operator_a), "directory");
    NUL(rolecall_group_add_member(NULL, ra, group_a, alice), "directory");
    NUL(rolecall_group_remove_member(NULL, ra, group_a, alice), "directory");
    NUL(rolecall_group_delete(NULL, ra, group_a), "directory");
    NUL(rolecall_group_get(NULL, group_a, &g), "directory");
    NUL(rolecall_group_get(dir, group_a, NULL), "out");
    NUL(rolecall_group_by_name(NULL, ta, "Ops", &g), "directory");
    NUL(rolecall_group_by_name(dir, ta, NULL, &g), "name");
    NUL(rolecall_group_by_name(dir, ta, "Ops", NULL), "out");
    NUL(rolecall_tenant_groups(NULL, ta, &gl), "directory");
    NUL(rolecall_tenant_groups(dir, ta, NULL), "out");
    NUL(rolecall_group_members(NULL, group_a, &il), "directory");
    NUL(rolecall_group_members(dir, group_a, NULL), "out");
    NUL(rolecall_group_permissions(NULL, group_a, &p), "directory");
    NUL(rolecall_group_permissions(dir, group_a, NULL), "out");

    /* Scopes and agreements. */
    rolecall_scope_id sid;
    rolecall_scope *s = NULL;
    rolecall_scope_list *sl = NULL;
    rolecall_agreement_id aid;
    rolecall_agreement *a = NULL;
    rolecall_agreement_list *al = NULL;
    char *sub = NULL;
    NUL(rolecall_scope_create(NULL, ra, ROLECALL_SCOPE_KIND_IVR, "S", &sid), "directory");
    NUL(rolecall_scope_create(dir, ra, ROLECALL_SCOPE_KIND_IVR, NULL, &sid), "name");
    NUL(rolecall_scope_create(dir, ra, ROLECALL_SCOPE_KIND_IVR, "S", NULL), "out");
    NUL(rolecall_scope_delete(NULL, ra, scope_a), "directory");
    NUL(rolecall_scope_assign(NULL, ra, alice, scope_a), "directory");
    NUL(rolecall_scope_unassign(NULL, ra, alice, scope_a), "directory");
    NUL(rolecall_scope_get(NULL, scope_a, &s), "directory");
    NUL(rolecall_scope_get(dir, scope_a, NULL), "out");
    NUL(rolecall_tenant_scopes(NULL, ta, &sl), "directory");
    NUL(rolecall_tenant_scopes(dir, ta, NULL), "out");
    NUL(rolecall_agreement_create(NULL, ra, "C", ra, &aid), "directory");
    NUL(rolecall_agreement_create(dir, ra, NULL, ra, &aid), "name");
    NUL(rolecall_agreement_create(dir, ra, "C", ra, NULL), "out");
    NUL(rolecall_agreement_set_access_level(NULL, ra, agreement_a, alice, 0, 1), "directory");
    NUL(rolecall_agreement_transfer_ownership(NULL, ra, agreement_a, alice), "directory");
    NUL(rolecall_agreement_link_pbx_subscriber(NULL, ra, agreement_a, alice, "s"), "directory");
    NUL(rolecall_agreement_get(NULL, agreement_a, &a), "directory");
    NUL(rolecall_agreement_get(dir, agreement_a, NULL), "out");
    NUL(rolecall_tenant_agreements(NULL, ta, &al), "directory");
    NUL(rolecall_tenant_agreements(dir, ta, NULL), "out");
    NUL(rolecall_agreement_pbx_subscriber(NULL, agreement_a, alice, &sub), "directory");
    NUL(rolecall_agreement_pbx_subscriber(dir, agreement_a, alice, NULL), "out");

    /* Checks and queries. */
    rolecall_scope_access *sa = NULL;
    rolecall_explanation *e = NULL;
    rolecall_last_error_clear();
    CHECK(!rolecall_check(NULL, alice, ROLECALL_PERM_CAMPAIGNS_VIEW));
    CHECK(rolecall_last_error_code() == ROLECALL_STATUS_NULL_POINTER);
    CHECK(!rolecall_check_scoped(NULL, alice, ROLECALL_PERM_CAMPAIGNS_VIEW, scope_a));
    CHECK(!rolecall_snapshot_check(NULL, alice, ROLECALL_PERM_CAMPAIGNS_VIEW));
    CHECK(!rolecall_snapshot_check_scoped(NULL, alice, ROLECALL_PERM_CAMPAIGNS_VIEW, scope_a));
    CHECK(!rolecall_session_valid(NULL, alice, 1));
    NUL(rolecall_check_many(NULL, ids, 1, &p, 1, res, 1), "directory");
    NUL(rolecall_check_many(dir, NULL, 1, &p, 1, res, 1), "users");
    NUL(rolecall_check_many(dir, ids, 1, NULL, 1, res, 1), "perms");
    NUL(rolecall_check_many(dir, ids, 1, &p, 1, NULL, 1), "results");
    OK(rolecall_check_many(dir, NULL, 0, NULL, 0, NULL, 0)); /* empty batch */
    NUL(rolecall_snapshot_check_many(NULL, ids, 1, &p, 1, res, 1), "snapshot");
    NUL(rolecall_snapshot_check_many(snap, NULL, 1, &p, 1, res, 1), "users");
    NUL(rolecall_snapshot_check_many(snap, ids, 1, NULL, 1, res, 1), "perms");
    NUL(rolecall_snapshot_check_many(snap, ids, 1, &p, 1, NULL, 1), "results");
    NUL(rolecall_effective_permissions(NULL, alice, &p), "directory");
    NUL(rolecall_effective_permissions(dir, alice, NULL), "out");
    NUL(rolecall_allowed_scopes(NULL, alice, p, &sa), "directory");
    NUL(rolecall_allowed_scopes(dir, alice, p, NULL), "out");
    NUL(rolecall_users_with_permission(NULL, ta, p, NULL, &il), "directory");
    NUL(rolecall_users_with_permission(dir, ta, p, NULL, NULL), "out");
    NUL(rolecall_agreement_access_level(NULL, agreement_a, alice, 0, &lvl), "directory");
    NUL(rolecall_agreement_access_level(dir, agreement_a, alice, 0, NULL), "out");
    NUL(rolecall_may_listen_recordings(NULL, agreement_a, alice, "s", &b), "directory");
    NUL(rolecall_may_listen_recordings(dir, agreement_a, alice, NULL, &b), "subscriber");
    NUL(rolecall_may_listen_recordings(dir, agreement_a, alice, "s", NULL), "out");
    NUL(rolecall_may_click_to_call(NULL, agreement_a, alice, "s", &b), "directory");
    NUL(rolecall_may_click_to_call(dir, agreement_a, alice, NULL, &b), "subscriber");
    NUL(rolecall_may_click_to_call(dir, agreement_a, alice, "s", NULL), "out");
    NUL(rolecall_explain(NULL, alice, p, &e), "directory");
    NUL(rolecall_explain(dir, alice, p, NULL), "out");

    /* Credentials and audit. */
    rolecall_reset_issued *ri = NULL;
    rolecall_audit_event_list *el = NULL;
    NUL(rolecall_login(NULL, ta, "alice@a.test", "pw", &sess), "directory");
    NUL(rolecall_login(dir, ta, NULL, "pw", &sess), "email");
    NUL(rolecall_login(dir, ta, "alice@a.test", NULL, &sess), "password");
    NUL(rolecall_login(dir, ta, "alice@a.test", "pw", NULL), "out");
    NUL(rolecall_password_set(NULL, ra, alice, "pw", false), "directory");
    NUL(rolecall_password_set(dir, ra, alice, NULL, false), "password");
    NUL(rolecall_password_change(NULL, alice, "a", "b"), "directory");
    NUL(rolecall_password_change(dir, alice, NULL, "b"), "current");
    NUL(rolecall_password_change(dir, alice, "a", NULL), "new_password");
    NUL(rolecall_password_reset_request(NULL, ta, "alice@a.test", &ri), "directory");
    NUL(rolecall_password_reset_request(dir, ta, NULL, &ri), "email");
    NUL(rolecall_password_reset_request(dir, ta, "alice@a.test", NULL), "out");
    NUL(rolecall_password_reset_with_token(NULL, ta, "t", "p", NULL), "directory");
    NUL(rolecall_password_reset_with_token(dir, ta, NULL, "p", NULL), "token");
    NUL(rolecall_password_reset_with_token(dir, ta, "t", NULL, NULL), "new_password");
    NUL(rolecall_credential_status_get(NULL, alice, &cs), "directory");
    NUL(rolecall_credential_status_get(dir, alice, NULL), "out");
    NUL(rolecall_security_stamp(NULL, alice, &u64), "directory");
    NUL(rolecall_security_stamp(dir, alice, NULL), "out");
    NUL(rolecall_audit_search(NULL, &aq, &el), "directory");
    NUL(rolecall_audit_search(dir, NULL, &el), "query");
    NUL(rolecall_audit_search(dir, &aq, NULL), "out");

    /* Every _free accepts NULL. */
    rolecall_directory_free(NULL);
    rolecall_snapshot_free(NULL);
    rolecall_string_free(NULL);
    rolecall_id_list_free(NULL);
    rolecall_tenant_free(NULL);
    rolecall_tenant_list_free(NULL);
    rolecall_tenant_created_free(NULL);
    rolecall_user_free(NULL);
    rolecall_user_list_free(NULL);
    rolecall_role_free(NULL);
    rolecall_role_list_free(NULL);
    rolecall_preset_role_list_free(NULL);
    rolecall_group_free(NULL);
    rolecall_group_list_free(NULL);
    rolecall_scope_free(NULL);
    rolecall_scope_list_free(NULL);
    rolecall_agreement_free(NULL);
    rolecall_agreement_list_free(NULL);
    rolecall_scope_access_free(NULL);
    rolecall_explanation_free(NULL);
    rolecall_reset_issued_free(NULL);
    rolecall_notification_list_free(NULL);
    rolecall_audit_event_list_free(NULL);
    rolecall_snapshot_free(snap);
}

static void invalid_utf8(void) {
    rolecall_permission p;
    rolecall_new_user nu = {0};
    nu.first_name = "N";
    nu.last_name = "U";
    nu.email = "nu@a.test";
    rolecall_user_id uid;
    rolecall_tenant_created *tc = NULL;
    rolecall_directory *d2 = NULL;
    UTF8(rolecall_permission_from_name(BAD, &p), "name");
    UTF8(rolecall_permission_parse(BAD, &p), "text");
    rolecall_product prod;
    UTF8(rolecall_product_from_name(BAD, &prod), "name");
    UTF8(rolecall_directory_open_sqlite(BAD, &d2), "path");
    UTF8(rolecall_tenant_create(dir, BAD, &nu, NULL, 0, &tc), "name");
    rolecall_new_user bad = nu;
    bad.first_name = BAD;
    UTF8(rolecall_user_create(dir, ra, &bad, &uid), "new_user.first_name");
    bad = nu;
    bad.last_name = BAD;
    UTF8(rolecall_user_create(dir, ra, &bad, &uid), "new_user.last_name");
    bad = nu;
    bad.email = BAD;
    UTF8(rolecall_user_create(dir, ra, &bad, &uid), "new_user.email");
    bad = nu;
    bad.phone = BAD;
    UTF8(rolecall_user_create(dir, ra, &bad, &uid), "new_user.phone");
    bad = nu;
    bad.password = BAD;
    UTF8(rolecall_user_create(dir, ra, &bad, &uid), "new_user.password");
    rolecall_user_patch up = {0};
    up.email = BAD;
    UTF8(rolecall_user_update(dir, ra, alice, &up), "patch.email");
    up = (rolecall_user_patch){0};
    up.phone = BAD;
    UTF8(rolecall_user_update(dir, ra, alice, &up), "patch.phone");
    rolecall_user *u = NULL;
    UTF8(rolecall_user_by_email(dir, ta, BAD, &u), "email");
    rolecall_user_query q;
    OK(rolecall_user_query_default(&q));
    q.text = BAD;
    rolecall_user_list *ul = NULL;
    UTF8(rolecall_user_search(dir, ta, &q, &ul), "query.text");
    rolecall_new_role nr = {0};
    nr.name = BAD;
    rolecall_role_id rid;
    UTF8(rolecall_role_create(dir, ra, &nr, &rid), "role.name");
    nr.name = "Fine";
    nr.description = BAD;
    UTF8(rolecall_role_create(dir, ra, &nr, &rid), "role.description");
    rolecall_role_patch rp = {0};
    rp.name = BAD;
    UTF8(rolecall_role_update(dir, ra, operator_a, &rp), "patch.name");
    rolecall_role *r = NULL;
    UTF8(rolecall_role_by_name(dir, ta, BAD, &r), "name");
    rolecall_group_id gid;
    UTF8(rolecall_group_create(dir, ra, BAD, NULL, 0, &gid), "name");
    UTF8(rolecall_group_rename(dir, ra, group_a, BAD), "name");
    rolecall_group *g = NULL;
    UTF8(rolecall_group_by_name(dir, ta, BAD, &g), "name");
    rolecall_scope_id sid;
    UTF8(rolecall_scope_create(dir, ra, ROLECALL_SCOPE_KIND_IVR, BAD, &sid), "name");
    rolecall_agreement_id aid;
    UTF8(rolecall_agreement_create(dir, ra, BAD, ra, &aid), "name");
    UTF8(rolecall_agreement_link_pbx_subscriber(dir, ra, agreement_a, alice, BAD), "subscriber");
    bool b;
    UTF8(rolecall_may_listen_recordings(dir, agreement_a, alice, BAD, &b), "subscriber");
    UTF8(rolecall_may_click_to_call(dir, agreement_a, alice, BAD, &b), "subscriber");
    rolecall_session s;
    UTF8(rolecall_login(dir, ta, BAD, "pw", &s), "email");
    UTF8(rolecall_login(dir, ta, "alice@a.test", BAD, &s), "password");
    UTF8(rolecall_password_set(dir, ra, alice, BAD, false), "password");
    UTF8(rolecall_password_change(dir, alice, BAD, "x"), "current");
    rolecall_reset_issued *ri = NULL;
    UTF8(rolecall_password_reset_request(dir, ta, BAD, &ri), "email");
    UTF8(rolecall_password_reset_with_token(dir, ta, BAD, "x", NULL), "token");
    rolecall_audit_query aq;
    OK(rolecall_audit_query_default(&aq));
    aq.action = BAD;
    rolecall_audit_event_list *el = NULL;
    UTF8(rolecall_audit_search(dir, &aq, &el), "query.action");
}

static void foreign_handles_and_lengths(void) {
    rolecall_snapshot *snap = NULL;
    OK(rolecall_directory_snapshot(dir, &snap));
    uint64_t rev;
    /* A snapshot where a directory is expected, and the reverse. */
    REFUSED(rolecall_directory_revision((rolecall_directory *)snap, &rev),
            ROLECALL_STATUS_INVALID_HANDLE, "directory");
    REFUSED(rolecall_snapshot_revision((rolecall_snapshot *)dir, &rev),
            ROLECALL_STATUS_INVALID_HANDLE, "snapshot");
    CHECK(!rolecall_check((rolecall_directory *)snap, alice, ROLECALL_PERM_CAMPAIGNS_VIEW));
    CHECK(rolecall_last_error_code() == ROLECALL_STATUS_INVALID_HANDLE);
    /* A record (not a handle at all) where a directory is expected. */
    rolecall_user *u = NULL;
    OK(rolecall_user_get(dir, alice, &u));
    REFUSED(rolecall_user_delete((rolecall_directory *)u, ra, alice),
            ROLECALL_STATUS_INVALID_HANDLE, "directory");
    rolecall_user_free(u);
    rolecall_snapshot_free((rolecall_snapshot *)dir); /* refused silently: not a snapshot */
    rolecall_directory_free((rolecall_directory *)snap); /* likewise */
    CHECK(rolecall_check(dir, alice, ROLECALL_PERM_CAMPAIGNS_VIEW)); /* still alive */

    /* Array lengths that disagree: refused before anything is read or written. */
    rolecall_user_id users[3] = {alice, alice, rb};
    rolecall_permission perms[3] = {ROLECALL_PERM_CAMPAIGNS_VIEW, ROLECALL_PERM_USERS_MANAGE,
                                    ROLECALL_PERM_USERS_MANAGE};
    bool results[3] = {false, false, false};
    REFUSED(rolecall_check_many(dir, users, 3, perms, 2, results, 3), ROLECALL_STATUS_INVALID_LENGTH,
            "check_many");
    REFUSED(rolecall_check_many(dir, users, 3, perms, 3, results, 1000000), ROLECALL_STATUS_INVALID_LENGTH,
            "results");
    REFUSED(rolecall_snapshot_check_many(snap, users, 4, perms, 3, results, 3),
            ROLECALL_STATUS_INVALID_LENGTH, NULL);
    CHECK(!results[0] && !results[1] && !results[2]);
    /* Lengths no array in memory can have: refused before touching memory. */
    REFUSED(rolecall_check_many(dir, users, SIZE_MAX, perms, SIZE_MAX, results, SIZE_MAX),
            ROLECALL_STATUS_INVALID_LENGTH, "larger than any array");
    REFUSED(rolecall_user_set_roles(dir, ra, alice, &operator_a, SIZE_MAX / 2),
            ROLECALL_STATUS_INVALID_LENGTH, "roles");
    REFUSED(rolecall_group_create(dir, ra, "G", &operator_a, SIZE_MAX, NULL),
            ROLECALL_STATUS_NULL_POINTER, "out");
    rolecall_group_id gid;
    REFUSED(rolecall_group_create(dir, ra, "G", &operator_a, SIZE_MAX, &gid),
            ROLECALL_STATUS_INVALID_LENGTH, "roles");
    rolecall_preset presets[1] = {ROLECALL_PRESET_MANAGERS};
    rolecall_new_user nu = {0};
    nu.first_name = "N";
    nu.last_name = "U";
    nu.email = "nu@n.test";
    rolecall_tenant_created *tc = NULL;
    REFUSED(rolecall_tenant_create(dir, "N", &nu, presets, SIZE_MAX / 3, &tc),
            ROLECALL_STATUS_INVALID_LENGTH, "presets");
    OK(rolecall_check_many(dir, users, 3, perms, 3, results, 3));
    CHECK(results[0] && !results[1] && results[2]);

    /* Buffers that are too small: nothing written, the size needed reported. */
    char buf[8];
    memset(buf, 'x', sizeof buf);
    size_t needed = 0;
    REFUSED(rolecall_permission_to_string(ROLECALL_PERM_CAMPAIGNS_CONTROL, buf, sizeof buf, &needed),
            ROLECALL_STATUS_BUFFER_TOO_SMALL, "18 bytes");
    CHECK(needed == strlen("campaigns.control") + 1 && buf[0] == 'x');
    rolecall_snapshot_free(snap);
}

static void unknown_names_and_values(void) {
    rolecall_permission p;
    REFUSED(rolecall_permission_from_name("campaigns.fly", &p), ROLECALL_STATUS_UNKNOWN_PERMISSION,
            "campaigns.fly");
    REFUSED(rolecall_permission_from_name("Campaigns.View", &p), ROLECALL_STATUS_UNKNOWN_PERMISSION, NULL);
    REFUSED(rolecall_permission_from_name("", &p), ROLECALL_STATUS_UNKNOWN_PERMISSION, NULL);
    REFUSED(rolecall_permission_parse("users.view|nope", &p), ROLECALL_STATUS_UNKNOWN_PERMISSION, "nope");
    rolecall_product prod;
    REFUSED(rolecall_product_from_name("crm", &prod), ROLECALL_STATUS_UNKNOWN_PRODUCT, "crm");
    rolecall_access_level lvl;
    REFUSED(rolecall_access_level_from_name("god", &lvl), ROLECALL_STATUS_UNKNOWN_ACCESS_LEVEL, "god");
    rolecall_preset pre;
    REFUSED(rolecall_preset_from_name("Dashboard", &pre), ROLECALL_STATUS_UNKNOWN_PRESET, NULL);
    rolecall_scope_kind kind;
    /* "queue" is a built-in kind now, "brand" a valid custom kind name: neither is refused. */
    REFUSED(rolecall_scope_kind_from_name("Call Group", &kind), ROLECALL_STATUS_INVALID_ARGUMENT, NULL);
    REFUSED(rolecall_scope_kind_from_name("", &kind), ROLECALL_STATUS_INVALID_ARGUMENT, NULL);
    REFUSED(rolecall_scope_kind_from_name("a_name_longer_than_24_chars", &kind),
            ROLECALL_STATUS_INVALID_ARGUMENT, NULL);
    CHECK(rolecall_product_name(7) == NULL && rolecall_access_level_name(4) == NULL);
    CHECK(rolecall_preset_name(3) == NULL && rolecall_scope_kind_name(6) == NULL);
    REFUSED(rolecall_catalogue_get(ROLECALL_PERM_COUNT, &p, NULL), ROLECALL_STATUS_INVALID_ARGUMENT, NULL);

    /* Numbers out of range for enumerations coming from C are validated. */
    REFUSED(rolecall_agreement_set_access_level(dir, ra, agreement_a, alice, 7, ROLECALL_LEVEL_USER),
            ROLECALL_STATUS_UNKNOWN_PRODUCT, NULL);
    REFUSED(rolecall_agreement_set_access_level(dir, ra, agreement_a, alice, 0, 42),
            ROLECALL_STATUS_UNKNOWN_ACCESS_LEVEL, NULL);
    rolecall_scope_id sid;
    REFUSED(rolecall_scope_create(dir, ra, 9, "Q", &sid), ROLECALL_STATUS_INVALID_ARGUMENT, "scope kind");
    REFUSED(rolecall_preset_install(dir, ra, 3, NULL), ROLECALL_STATUS_UNKNOWN_PRESET, NULL);
    REFUSED(rolecall_agreement_access_level(dir, agreement_a, alice, 99, &lvl),
            ROLECALL_STATUS_UNKNOWN_PRODUCT, NULL);
    /* A permission bit outside the catalogue cannot be stored in a role, and nobody holds it. */
    rolecall_new_role nr = {0};
    nr.name = "Odd";
    nr.permissions = ROLECALL_PERMISSION_BIT(120);
    rolecall_role_id rid;
    REFUSED(rolecall_role_create(dir, ra, &nr, &rid), ROLECALL_STATUS_UNKNOWN_PERMISSION, "0x1000000000000000000000000000000");
    CHECK(!rolecall_check(dir, ra, ROLECALL_PERMISSION_BIT(120)));
    CHECK(!rolecall_check(dir, ra, ROLECALL_PERM_NONE)); /* empty set: false */
    rolecall_explanation *e = NULL;
    REFUSED(rolecall_explain(dir, alice, ROLECALL_PERM_NONE, &e), ROLECALL_STATUS_EMPTY_PERMISSION, NULL);

    /* Unknown ids. */
    rolecall_user *u = NULL;
    REFUSED(rolecall_user_get(dir, 999999, &u), ROLECALL_STATUS_UNKNOWN_USER, NULL);
    REFUSED(rolecall_user_get(dir, UINT64_MAX, &u), ROLECALL_STATUS_UNKNOWN_USER, NULL);
    CHECK(!rolecall_check(dir, UINT64_MAX, ROLECALL_PERM_USERS_VIEW));
    REFUSED(rolecall_user_assign_role(dir, ra, alice, 999999), ROLECALL_STATUS_UNKNOWN_ROLE, NULL);
    REFUSED(rolecall_user_assign_role(dir, 999999, alice, operator_a), ROLECALL_STATUS_UNKNOWN_USER, NULL);
    rolecall_tenant *t = NULL;
    REFUSED(rolecall_tenant_get(dir, 999999, &t), ROLECALL_STATUS_UNKNOWN_TENANT, NULL);
    rolecall_role *r = NULL;
    REFUSED(rolecall_role_by_name(dir, ta, "Astronaut", &r), ROLECALL_STATUS_UNKNOWN_ROLE, "Astronaut");
    rolecall_group *g = NULL;
    REFUSED(rolecall_group_by_name(dir, ta, "Nobody", &g), ROLECALL_STATUS_UNKNOWN_GROUP, NULL);
    REFUSED(rolecall_scope_delete(dir, ra, 999999), ROLECALL_STATUS_UNKNOWN_SCOPE, NULL);
    REFUSED(rolecall_agreement_transfer_ownership(dir, ra, 999999, alice), ROLECALL_STATUS_UNKNOWN_AGREEMENT, NULL);
    rolecall_user_query q;
    OK(rolecall_user_query_default(&q));
    q.limit = 0;
    rolecall_user_list *ul = NULL;
    REFUSED(rolecall_user_search(dir, ta, &q, &ul), ROLECALL_STATUS_INVALID_ARGUMENT, "limit");
    rolecall_user_patch both = {0};
    both.phone = "+12125550100";
    both.remove_phone = true;
    REFUSED(rolecall_user_update(dir, ra, alice, &both), ROLECALL_STATUS_INVALID_ARGUMENT, NULL);
    rolecall_reset_issued *ri = NULL;
    REFUSED(rolecall_password_reset_with_token(dir, ta, "not-a-token", "violet-harbour-41-lantern", NULL),
            ROLECALL_STATUS_INVALID_TOKEN, NULL);
    OK(rolecall_password_reset_request(dir, ta, "nobody@a.test", &ri));
    CHECK(ri == NULL);
    char long_email[4096];
    memset(long_email, 'a', sizeof long_email - 1);
    long_email[sizeof long_email - 1] = 0;
    rolecall_session s;
    REFUSED(rolecall_login(dir, ta, long_email, long_email, &s), ROLECALL_STATUS_AUTHENTICATION_FAILED, NULL);
}

static void wrong_tenant(void) {
    /* Tenant A's superadministrator reaches into tenant B: refused, nothing changes. */
    rolecall_user_patch up = {0};
    up.first_name = "Hacked";
    REFUSED(rolecall_user_update(dir, ra, rb, &up), ROLECALL_STATUS_WRONG_TENANT, "another tenant");
    REFUSED(rolecall_user_delete(dir, ra, rb), ROLECALL_STATUS_WRONG_TENANT, NULL);
    REFUSED(rolecall_user_assign_role(dir, ra, alice, operator_b), ROLECALL_STATUS_WRONG_TENANT, NULL);
    REFUSED(rolecall_scope_assign(dir, ra, alice, scope_b), ROLECALL_STATUS_WRONG_TENANT, NULL);
    REFUSED(rolecall_group_add_member(dir, rb, group_a, rb), ROLECALL_STATUS_WRONG_TENANT, NULL);
    REFUSED(rolecall_agreement_set_access_level(dir, rb, agreement_a, rb, ROLECALL_PRODUCT_CORE,
                                                ROLECALL_LEVEL_USER),
            ROLECALL_STATUS_WRONG_TENANT, NULL);
    /* Checks never cross tenants either. */
    CHECK(!rolecall_check_scoped(dir, ra, ROLECALL_PERM_DASHBOARD_LOGS, scope_b));
    rolecall_id_list *ids = NULL;
    OK(rolecall_users_with_permission(dir, tb, ROLECALL_PERM_CAMPAIGNS_VIEW, NULL, &ids));
    CHECK(ids && ids->len == 1 && ids->ids[0] == rb);
    rolecall_id_list_free(ids);
    rolecall_user *u = NULL;
    REFUSED(rolecall_user_by_email(dir, tb, "alice@a.test", &u), ROLECALL_STATUS_UNKNOWN_USER, NULL);
    rolecall_session s;
    REFUSED(rolecall_login(dir, tb, "alice@a.test", "violet-harbour-41-lantern", &s),
            ROLECALL_STATUS_AUTHENTICATION_FAILED, NULL);
    CHECK(u == NULL);
}

int main(void) {
    setup();
    null_pointers();
    invalid_utf8();
    foreign_handles_and_lengths();
    unknown_names_and_values();
    wrong_tenant();
    rolecall_directory_free(dir);
    return tu_report("c-bad-input");
}
