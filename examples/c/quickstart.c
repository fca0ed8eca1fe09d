/* rolecall from C: a call-center directory, a few users, checks on the hot path, a refused
 * change with its error, and a batch check as an IVR engine would run it.
 *
 *   cc -std=c11 quickstart.c $(pkg-config --cflags --libs rolecall) -o quickstart
 */
#include <stdio.h>
#include <stdlib.h>

#include "rolecall.h"

/* Stops on any unexpected failure, printing the library's message. */
static void must(rolecall_status st, const char *what) {
    if (st != ROLECALL_STATUS_OK) {
        fprintf(stderr, "%s failed: %s (%s)\n", what, rolecall_last_error_message(),
                rolecall_last_error_kind());
        exit(1);
    }
}

int main(void) {
    rolecall_directory *dir = NULL;
    must(rolecall_directory_open_in_memory(&dir), "open"); /* or rolecall_directory_open_sqlite */

    /* A tenant with the 000 "Managers" roles and its superadministrator. */
    rolecall_new_user root = {0};
    root.first_name = "Ada";
    root.last_name = "Root";
    root.email = "ada@acme.test";
    rolecall_preset presets[] = {ROLECALL_PRESET_MANAGERS};
    rolecall_tenant_created *acme = NULL;
    must(rolecall_tenant_create(dir, "Acme", &root, presets, 1, &acme), "create tenant");

    rolecall_role *operator_role = NULL;
    must(rolecall_role_by_name(dir, acme->tenant, "Operator", &operator_role), "find Operator");

    rolecall_new_user olga = {0};
    olga.first_name = "Olga";
    olga.last_name = "Petrova";
    olga.email = "olga@acme.test";
    olga.roles = &operator_role->id;
    olga.roles_len = 1;
    rolecall_user_id olga_id = 0;
    must(rolecall_user_create(dir, acme->superadmin, &olga, &olga_id), "create Olga");

    /* Checks: lock-free, no allocation. 000: operators start and stop campaigns... */
    printf("Olga may start campaigns: %s\n",
           rolecall_check(dir, olga_id, ROLECALL_PERM_CAMPAIGNS_CONTROL) ? "yes" : "no");
    /* ...and do nothing else. A permission can also be looked up by its dotted name. */
    rolecall_permission manage_users;
    must(rolecall_permission_from_name("users.manage", &manage_users), "look up users.manage");
    printf("Olga may manage users:    %s\n", rolecall_check(dir, olga_id, manage_users) ? "yes" : "no");

    /* A refused change: a status code, a message, and nothing changed. */
    rolecall_new_user eve = {0};
    eve.first_name = "Eve";
    eve.last_name = "Doe";
    eve.email = "eve@acme.test";
    rolecall_user_id eve_id = 0;
    rolecall_status st = rolecall_user_create(dir, olga_id, &eve, &eve_id);
    printf("Olga creates a user: status %u (%s): %s\n", st, rolecall_status_kind(st),
           rolecall_last_error_message());

    /* An IVR engine checks many callers at once, at one consistent revision. */
    rolecall_user_id callers[] = {olga_id, acme->superadmin, 424242};
    rolecall_permission perms[] = {ROLECALL_PERM_CAMPAIGNS_VIEW, ROLECALL_PERM_BILLING_MANAGE,
                                   ROLECALL_PERM_CAMPAIGNS_VIEW};
    bool allowed[3];
    must(rolecall_check_many(dir, callers, 3, perms, 3, allowed, 3), "check_many");
    for (int i = 0; i < 3; i++) {
        /* A person reads names: show the caller's email (programs keep the id). */
        rolecall_user *caller = NULL;
        if (rolecall_user_get(dir, callers[i], &caller) == ROLECALL_STATUS_OK) {
            printf("caller %s: %s\n", caller->email, allowed[i] ? "allowed" : "refused");
            rolecall_user_free(caller);
        } else {
            printf("unknown caller #%llu: %s\n", (unsigned long long)callers[i],
                   allowed[i] ? "allowed" : "refused");
        }
    }

    /* Why? The roles behind an answer. */
    rolecall_explanation *why = NULL;
    must(rolecall_explain(dir, olga_id, ROLECALL_PERM_CAMPAIGNS_CONTROL, &why), "explain");
    for (size_t i = 0; i < why->grants_len; i++)
        printf("granted by role \"%s\"\n", why->grants[i].role_name);

    /* Contact-center scopes: a site above its teams; a team lead holds its role for its team
     * only, and administers only the users of that team. */
    rolecall_scope_id lyon = 0, inbound = 0, outbound = 0, queue = 0;
    must(rolecall_scope_create(dir, acme->superadmin, ROLECALL_SCOPE_KIND_TEAM, "Lyon", &lyon), "site");
    must(rolecall_scope_create_under(dir, acme->superadmin, lyon, ROLECALL_SCOPE_KIND_TEAM, "Inbound",
                                     &inbound), "team");
    must(rolecall_scope_create_under(dir, acme->superadmin, lyon, ROLECALL_SCOPE_KIND_TEAM, "Outbound",
                                     &outbound), "team");
    must(rolecall_scope_create_under(dir, acme->superadmin, inbound, ROLECALL_SCOPE_KIND_QUEUE,
                                     "Inbound EN", &queue), "queue");
    rolecall_new_role lead_role = {0};
    lead_role.name = "Team lead";
    lead_role.permissions = rolecall_permission_union(
        rolecall_permission_union(ROLECALL_PERM_USERS_VIEW, manage_users), ROLECALL_PERM_REPORTS_VIEW);
    rolecall_role_id lead_role_id = 0;
    must(rolecall_role_create(dir, acme->superadmin, &lead_role, &lead_role_id), "create Team lead");
    rolecall_scope_grant lead_grant = {lead_role_id, inbound};
    rolecall_new_user tina = {0};
    tina.first_name = "Tina";
    tina.last_name = "Lead";
    tina.email = "tina@acme.test";
    tina.teams = &inbound;
    tina.teams_len = 1;
    tina.grants = &lead_grant;
    tina.grants_len = 1;
    rolecall_user_id tina_id = 0, ivan_id = 0, omar_id = 0;
    must(rolecall_user_create(dir, acme->superadmin, &tina, &tina_id), "create Tina");
    rolecall_new_user ivan = {0};
    ivan.first_name = "Ivan";
    ivan.last_name = "Agent";
    ivan.email = "ivan@acme.test";
    ivan.teams = &inbound;
    ivan.teams_len = 1;
    must(rolecall_user_create(dir, acme->superadmin, &ivan, &ivan_id), "create Ivan");
    rolecall_new_user omar = ivan;
    omar.first_name = "Omar";
    omar.email = "omar@acme.test";
    omar.teams = &outbound;
    must(rolecall_user_create(dir, acme->superadmin, &omar, &omar_id), "create Omar");
    printf("team lead: reports on the Inbound EN queue %s, may manage Ivan %s / Omar %s\n",
           rolecall_check_scoped(dir, tina_id, ROLECALL_PERM_REPORTS_VIEW, queue) ? "yes" : "no",
           rolecall_check_user(dir, tina_id, manage_users, ivan_id) ? "yes" : "no",
           rolecall_check_user(dir, tina_id, manage_users, omar_id) ? "yes" : "no");
    st = rolecall_user_set_active(dir, tina_id, omar_id, false);
    printf("team lead deactivating Omar: %s\n", rolecall_status_kind(st));

    /* Everything the library returned is freed with its matching function. */
    rolecall_explanation_free(why);
    rolecall_role_free(operator_role);
    rolecall_tenant_created_free(acme);
    rolecall_directory_free(dir);
    return 0;
}
