/* Tenant settings through the C ABI (rolecall_tenant_settings_*) and the settled rules they
 * switch: the strict reading of 002 is a tenant option, off by default; the superadministrator
 * acts with Owner powers on agreements; an agreement's Owner stays active. Built with
 * -std=c11 -Wall -Wextra -Werror, linked shared and static, run under valgrind. */
#include <string.h>

#include "testutil.h"

static rolecall_user_id mk(rolecall_directory *dir, rolecall_user_id actor, const char *first,
                           const char *email) {
    rolecall_new_user u = {0};
    u.first_name = first;
    u.last_name = "Test";
    u.email = email;
    rolecall_user_id id = 0;
    OK(rolecall_user_create(dir, actor, &u, &id));
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
    rolecall_user_id owen = mk(dir, sa, "Owen", "owen@co.test");
    rolecall_user_id ada = mk(dir, sa, "Ada", "ada@co.test");
    rolecall_user_id uma = mk(dir, sa, "Uma", "uma@co.test");

    /* Defaults: the sources' rules as written. */
    rolecall_tenant_settings s;
    memset(&s, 0x55, sizeof s);
    OK(rolecall_tenant_settings_default(&s));
    CHECK(!s.strict_agreement_levels && s.phone_region[0] == '\0');
    rolecall_tenant_settings got;
    OK(rolecall_tenant_settings_get(dir, t, &got));
    CHECK(!got.strict_agreement_levels && got.phone_region[0] == '\0');
    CHECK_STATUS(rolecall_tenant_settings_get(dir, 999999, &got), ROLECALL_STATUS_UNKNOWN_TENANT);

    /* Only the superadministrator sets them; malformed values change nothing. */
    s.strict_agreement_levels = true;
    strcpy(s.phone_region, "FR");
    CHECK_STATUS(rolecall_tenant_settings_set(dir, owen, &s), ROLECALL_STATUS_SUPERADMIN_ONLY);
    rolecall_tenant_settings unterminated = s;
    memcpy(unterminated.phone_region, "FRA", 3);
    CHECK_STATUS(rolecall_tenant_settings_set(dir, sa, &unterminated),
                 ROLECALL_STATUS_INVALID_ARGUMENT);
    rolecall_tenant_settings lower = s;
    strcpy(lower.phone_region, "fr");
    CHECK_STATUS(rolecall_tenant_settings_set(dir, sa, &lower), ROLECALL_STATUS_INVALID_ARGUMENT);
    OK(rolecall_tenant_settings_get(dir, t, &got));
    CHECK(!got.strict_agreement_levels);
    OK(rolecall_tenant_settings_set(dir, sa, &s));
    OK(rolecall_tenant_settings_get(dir, t, &got));
    CHECK(got.strict_agreement_levels && strcmp(got.phone_region, "FR") == 0);

    /* The strict reading caps grants at the actor's own level on the product. */
    rolecall_agreement_id ag = 0;
    OK(rolecall_agreement_create(dir, sa, "Agreement 1", owen, &ag));
    OK(rolecall_agreement_set_access_level(dir, owen, ag, ada, ROLECALL_PRODUCT_CORE,
                                           ROLECALL_LEVEL_ADMINISTRATOR));
    CHECK_STATUS(rolecall_agreement_set_access_level(dir, ada, ag, uma, ROLECALL_PRODUCT_CHATBOTS,
                                                     ROLECALL_LEVEL_USER),
                 ROLECALL_STATUS_LEVEL_NOT_GRANTABLE);
    /* The superadministrator acts with Owner powers (settled rule 3). */
    OK(rolecall_agreement_set_access_level(dir, sa, ag, uma, ROLECALL_PRODUCT_CHATBOTS,
                                           ROLECALL_LEVEL_ADMINISTRATOR));
    /* Off again: 002 as written. */
    OK(rolecall_tenant_settings_default(&s));
    OK(rolecall_tenant_settings_set(dir, sa, &s));
    OK(rolecall_agreement_set_access_level(dir, ada, ag, uma, ROLECALL_PRODUCT_TELEPHONY,
                                           ROLECALL_LEVEL_USER));

    /* An agreement's Owner stays active; no inactive user becomes one (settled rule 2). */
    CHECK_STATUS(rolecall_user_set_active(dir, sa, owen, false),
                 ROLECALL_STATUS_USER_OWNS_AGREEMENT);
    OK(rolecall_user_set_active(dir, sa, uma, false));
    CHECK_STATUS(rolecall_agreement_transfer_ownership(dir, owen, ag, uma),
                 ROLECALL_STATUS_INACTIVE_OWNER);

    rolecall_directory_free(dir);
    return tu_report("tenant_settings");
}
