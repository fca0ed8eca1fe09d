/* Separation of duty through the C ABI (rolecall_sod_*): declaring a rule reports the users
 * already holding both sides, every grant path refuses the other side with
 * ROLECALL_STATUS_SEPARATION_OF_DUTY, a violator may lose but not gain, removing the rule lifts
 * it, and tenant settings keep the rules. Built with -std=c11 -Wall -Wextra -Werror, linked
 * shared and static, run under valgrind. */
#include <string.h>

#include "testutil.h"

static rolecall_user_id mk(rolecall_directory *dir, rolecall_user_id actor, const char *email,
                           const rolecall_role_id *roles, size_t roles_len,
                           rolecall_status expect) {
    rolecall_new_user u = {0};
    u.first_name = "Test";
    u.last_name = "User";
    u.email = email;
    u.roles = roles;
    u.roles_len = roles_len;
    rolecall_user_id id = 0;
    CHECK_STATUS(rolecall_user_create(dir, actor, &u, &id), expect);
    return id;
}

static rolecall_role_id role(rolecall_directory *dir, rolecall_user_id sa, const char *name,
                             rolecall_permission perms) {
    rolecall_new_role r = {0};
    r.name = name;
    r.permissions = perms;
    rolecall_role_id id = 0;
    OK(rolecall_role_create(dir, sa, &r, &id));
    return id;
}

int main(void) {
    rolecall_directory *dir = NULL;
    OK(rolecall_directory_open_in_memory(&dir));
    rolecall_new_user root = {0};
    root.first_name = "Cora";
    root.last_name = "Root";
    root.email = "root@co.test";
    rolecall_tenant_created *created = NULL;
    OK(rolecall_tenant_create(dir, "Co", &root, NULL, 0, &created));
    if (!created) return 1;
    rolecall_tenant_id t = created->tenant;
    rolecall_user_id sa = created->superadmin;
    rolecall_tenant_created_free(created);

    rolecall_role_id billing = role(dir, sa, "Billing", ROLECALL_PERM_BILLING_MANAGE);
    rolecall_role_id audit = role(dir, sa, "Audit", ROLECALL_PERM_LOGS_VIEW);
    rolecall_role_id reports = role(dir, sa, "Reports", ROLECALL_PERM_REPORTS_VIEW);
    rolecall_role_id both[2] = {billing, audit};
    rolecall_user_id vic = mk(dir, sa, "vic@co.test", both, 2, ROLECALL_STATUS_OK);
    rolecall_user_id bea = mk(dir, sa, "bea@co.test", &billing, 1, ROLECALL_STATUS_OK);

    /* Declaring reports Vic, who keeps his access. */
    rolecall_sod_rule rule = {0};
    rule.name = " billing vs audit ";
    rule.first = ROLECALL_PERM_BILLING_MANAGE;
    rule.second = ROLECALL_PERM_LOGS_VIEW;
    CHECK_STATUS(rolecall_sod_rule_add(dir, bea, &rule, NULL), ROLECALL_STATUS_SUPERADMIN_ONLY);
    rolecall_sod_rule bad = rule;
    bad.second = rolecall_permission_union(ROLECALL_PERM_LOGS_VIEW, ROLECALL_PERM_BILLING_MANAGE);
    CHECK_STATUS(rolecall_sod_rule_add(dir, sa, &bad, NULL), ROLECALL_STATUS_INVALID_ARGUMENT);
    bad = rule;
    bad.name = NULL;
    CHECK_STATUS(rolecall_sod_rule_add(dir, sa, &bad, NULL), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_sod_rule_add(dir, sa, NULL, NULL), ROLECALL_STATUS_NULL_POINTER);
    rolecall_id_list *violators = NULL;
    OK(rolecall_sod_rule_add(dir, sa, &rule, &violators));
    CHECK(violators && violators->len == 1 && violators->ids[0] == vic);
    rolecall_id_list_free(violators);
    CHECK(rolecall_check(dir, vic, ROLECALL_PERM_LOGS_VIEW));
    CHECK_STATUS(rolecall_sod_rule_add(dir, sa, &rule, NULL), ROLECALL_STATUS_DUPLICATE_NAME);

    rolecall_sod_rule_list *rules = NULL;
    OK(rolecall_sod_rules(dir, t, &rules));
    CHECK(rules && rules->len == 1);
    if (rules && rules->len == 1) {
        CHECK_STR(rules->items[0].name, "billing vs audit");
        CHECK(rolecall_permission_contains(rules->items[0].first, ROLECALL_PERM_BILLING_MANAGE));
        CHECK(rolecall_permission_contains(rules->items[0].second, ROLECALL_PERM_LOGS_VIEW));
    }
    rolecall_sod_rule_list_free(rules);
    CHECK_STATUS(rolecall_sod_rules(dir, 999999, &rules), ROLECALL_STATUS_UNKNOWN_TENANT);
    rolecall_sod_violation_list *found = NULL;
    OK(rolecall_sod_violations(dir, t, &found));
    CHECK(found && found->len == 1);
    if (found && found->len == 1) {
        CHECK_STR(found->items[0].rule, "billing vs audit");
        CHECK(found->items[0].user == vic);
    }
    rolecall_sod_violation_list_free(found);

    /* Every grant path refuses the other side. */
    CHECK_STATUS(rolecall_user_assign_role(dir, sa, bea, audit),
                 ROLECALL_STATUS_SEPARATION_OF_DUTY);
    CHECK_STR(rolecall_last_error_kind(), "separation_of_duty");
    CHECK(strstr(rolecall_last_error_message(), "bea@co.test") != NULL);
    CHECK(strstr(rolecall_last_error_message(), "billing vs audit") != NULL);
    mk(dir, sa, "nel@co.test", both, 2, ROLECALL_STATUS_SEPARATION_OF_DUTY);
    rolecall_group_id auditors = 0;
    OK(rolecall_group_create(dir, sa, "Auditors", &audit, 1, &auditors));
    CHECK_STATUS(rolecall_group_add_member(dir, sa, auditors, bea),
                 ROLECALL_STATUS_SEPARATION_OF_DUTY);
    rolecall_scope_id sales = 0;
    OK(rolecall_scope_create(dir, sa, ROLECALL_SCOPE_KIND_CALL_GROUP, "Sales", &sales));
    CHECK_STATUS(rolecall_user_grant_role_in_scope(dir, sa, bea, audit, sales),
                 ROLECALL_STATUS_SEPARATION_OF_DUTY);

    /* A violator may lose, never gain. */
    CHECK_STATUS(rolecall_user_assign_role(dir, sa, vic, reports),
                 ROLECALL_STATUS_SEPARATION_OF_DUTY);
    OK(rolecall_user_revoke_role(dir, sa, vic, audit));

    /* Tenant settings set through C keep the rules. */
    rolecall_tenant_settings s;
    OK(rolecall_tenant_settings_default(&s));
    s.strict_agreement_levels = true;
    OK(rolecall_tenant_settings_set(dir, sa, &s));
    OK(rolecall_sod_rules(dir, t, &rules));
    CHECK(rules && rules->len == 1);
    rolecall_sod_rule_list_free(rules);

    /* Removing the rule lifts it. */
    CHECK_STATUS(rolecall_sod_rule_remove(dir, sa, "no such rule"),
                 ROLECALL_STATUS_UNKNOWN_SOD_RULE);
    CHECK_STATUS(rolecall_sod_rule_remove(dir, sa, NULL), ROLECALL_STATUS_NULL_POINTER);
    OK(rolecall_sod_rule_remove(dir, sa, "BILLING VS AUDIT"));
    OK(rolecall_user_assign_role(dir, sa, bea, audit));
    OK(rolecall_sod_violations(dir, t, &found));
    CHECK(found && found->len == 0);
    rolecall_sod_violation_list_free(found);

    rolecall_directory_free(dir);
    return tu_report("sod");
}
