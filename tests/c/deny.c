/* Explicit deny through the C ABI (issue 16 part 3): a role's trailing `denied` field
 * (zero-initialised: denies nothing), the role patch's `set_denied` / `denied` (zero: unchanged),
 * denials winning over an allow of another role and of a group, the explanation's `denied_by`,
 * a role allowing and denying one permission refused, giving a deny with no right and lifting
 * one refused as an escalation.
 * Built with -std=c11 -Wall -Wextra -Werror, linked shared and static, run under valgrind. */
#include <stdint.h>
#include <stdlib.h>

#include "testutil.h"

static rolecall_directory *dir;
static rolecall_user_id root;

static rolecall_role_id role(rolecall_user_id actor, const char *name, rolecall_permission allow,
                             rolecall_permission deny) {
    rolecall_new_role r = {0};
    r.name = name;
    r.permissions = allow;
    r.denied = deny;
    rolecall_role_id id = 0;
    OK(rolecall_role_create(dir, actor, &r, &id));
    return id;
}

static rolecall_user_id user(const char *email, const rolecall_role_id *roles, size_t n) {
    rolecall_new_user u = {0};
    u.first_name = "Test";
    u.last_name = "User";
    u.email = email;
    u.roles = roles;
    u.roles_len = n;
    rolecall_user_id id = 0;
    OK(rolecall_user_create(dir, root, &u, &id));
    return id;
}

static int same(rolecall_permission a, rolecall_permission b) {
    return a.lo == b.lo && a.hi == b.hi;
}

static void scenario(void) {
    rolecall_permission control = ROLECALL_PERM_CAMPAIGNS_CONTROL;
    rolecall_permission view = ROLECALL_PERM_CAMPAIGNS_VIEW;
    rolecall_permission none = ROLECALL_PERM_NONE;
    rolecall_role_id worker = role(root, "Worker", rolecall_permission_union(view, control), none);
    rolecall_role_id no_control = role(root, "No control", none, control);

    /* The role record carries its denials; zero-initialised new roles deny nothing. */
    rolecall_role *r = NULL;
    OK(rolecall_role_get(dir, no_control, &r));
    CHECK(r && same(r->denied, control));
    rolecall_role_free(r);
    r = NULL;
    OK(rolecall_role_get(dir, worker, &r));
    CHECK(r && same(r->denied, none));
    rolecall_role_free(r);

    /* One role may not allow and deny the same permission. */
    rolecall_new_role both = {0};
    both.name = "Both";
    both.permissions = control;
    both.denied = control;
    rolecall_role_id id = 0;
    CHECK_STATUS(rolecall_role_create(dir, root, &both, &id), ROLECALL_STATUS_INVALID_ARGUMENT);

    /* A deny of one role wins over the allow of another, and explain names the denier. */
    rolecall_role_id held[] = {worker, no_control};
    rolecall_user_id bob = user("bob@acme.test", held, 2);
    CHECK(!rolecall_check(dir, bob, control));
    CHECK(rolecall_check(dir, bob, view));
    rolecall_explanation *e = NULL;
    OK(rolecall_explain(dir, bob, control, &e));
    CHECK(e && !e->allowed && e->grants_len == 1 && e->denied_by_len == 1);
    if (e && e->denied_by_len == 1) {
        CHECK(e->denied_by[0].role == no_control);
        CHECK_STR(e->denied_by[0].role_name, "No control");
        CHECK(same(e->denied_by[0].grants, control));
        CHECK(!e->denied_by[0].has_via_group);
    }
    rolecall_explanation_free(e);
    e = NULL;
    OK(rolecall_explain(dir, bob, view, &e));
    CHECK(e && e->allowed && e->denied_by_len == 0 && e->denied_by == NULL);
    rolecall_explanation_free(e);

    /* Through a group. */
    rolecall_group_id g = 0;
    OK(rolecall_group_create(dir, root, "Trainees", &no_control, 1, &g));
    rolecall_user_id carol = user("carol@acme.test", &worker, 1);
    CHECK(rolecall_check(dir, carol, control));
    OK(rolecall_group_add_member(dir, root, g, carol));
    CHECK(!rolecall_check(dir, carol, control));
    e = NULL;
    OK(rolecall_explain(dir, carol, control, &e));
    CHECK(e && e->denied_by_len == 1 && e->denied_by[0].has_via_group &&
          e->denied_by[0].via_group == g);
    rolecall_explanation_free(e);

    /* Giving a deny needs no right; lifting one is a grant. */
    rolecall_role_id admin_rights = role(
        root, "Role admin",
        rolecall_permission_union(
            rolecall_permission_union(ROLECALL_PERM_ROLES_MANAGE, ROLECALL_PERM_ROLES_VIEW),
            rolecall_permission_union(ROLECALL_PERM_USERS_MANAGE, ROLECALL_PERM_USERS_VIEW)),
        none);
    rolecall_user_id adam = user("adam@acme.test", &admin_rights, 1);
    rolecall_role_id no_billing = role(adam, "No billing", none, ROLECALL_PERM_BILLING_VIEW);
    rolecall_role_patch p = {0};
    p.set_denied = true;
    p.denied = rolecall_permission_union(ROLECALL_PERM_BILLING_VIEW, control);
    OK(rolecall_role_update(dir, adam, no_billing, &p));
    OK(rolecall_user_assign_role(dir, adam, bob, no_billing));
    OK(rolecall_user_revoke_role(dir, root, bob, no_control));
    CHECK(!rolecall_check(dir, bob, control));
    p.denied = ROLECALL_PERM_BILLING_VIEW;
    CHECK_STATUS(rolecall_role_update(dir, adam, no_billing, &p), ROLECALL_STATUS_ESCALATION);
    CHECK_STATUS(rolecall_user_revoke_role(dir, adam, bob, no_billing),
                 ROLECALL_STATUS_ESCALATION);
    /* A zero-initialised patch leaves the denials as they are. */
    rolecall_role_patch keep = {0};
    keep.description = "still denies";
    OK(rolecall_role_update(dir, root, no_billing, &keep));
    CHECK(!rolecall_check(dir, bob, control));
    OK(rolecall_role_update(dir, root, no_billing, &p));
    CHECK(rolecall_check(dir, bob, control));
    /* An unknown bit in the denied set is refused. */
    p.denied.hi = UINT64_C(1) << 63;
    CHECK_STATUS(rolecall_role_update(dir, root, no_billing, &p),
                 ROLECALL_STATUS_UNKNOWN_PERMISSION);
}

int main(void) {
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
    return tu_report("deny");
}
