/* Import and export of a tenant through the C ABI (rolecall_export_tenant,
 * rolecall_import_tenant, rolecall_import_users_csv): a round trip into an empty directory, a
 * second import that changes nothing, every problem at once with nothing applied, the rules'
 * refusals, and bad pointers. Built with -std=c11 -Wall -Wextra -Werror, linked shared and
 * static, run under valgrind. */
#include <string.h>

#include "testutil.h"

static rolecall_directory *tenant(rolecall_tenant_id *t, rolecall_user_id *sa) {
    rolecall_directory *dir = NULL;
    OK(rolecall_directory_open_in_memory(&dir));
    rolecall_new_user root = {0};
    root.first_name = "Cora";
    root.last_name = "Root";
    root.email = "root@co.test";
    rolecall_tenant_created *created = NULL;
    OK(rolecall_tenant_create(dir, "Co", &root, NULL, 0, &created));
    if (created) {
        *t = created->tenant;
        *sa = created->superadmin;
    }
    rolecall_tenant_created_free(created);
    return dir;
}

int main(void) {
    rolecall_tenant_id t = 0, t2 = 0;
    rolecall_user_id sa = 0, sa2 = 0;
    rolecall_directory *dir = tenant(&t, &sa);
    char *report = NULL;
    OK(rolecall_import_users_csv(dir, sa,
                                 "email,first_name,last_name,phone,active\n"
                                 "ann@co.test,Ann,Lee,+1 212 555 0199,true\n"
                                 "bob@co.test,Bob,Ray,,false\n",
                                 &report));
    CHECK(report && strstr(report, "\"created\":[\"ann@co.test\",\"bob@co.test\"]"));
    rolecall_string_free(report);

    char *json = NULL;
    OK(rolecall_export_tenant(dir, sa, false, &json));
    CHECK(json && strstr(json, "\"format\": \"rolecall.tenant\"") && !strstr(json, "$argon2"));

    /* Into an empty directory, then exported again: the same bytes. */
    rolecall_directory *fresh = tenant(&t2, &sa2);
    report = NULL;
    OK(rolecall_import_tenant(fresh, sa2, json, &report));
    CHECK(report && strstr(report, "\"changed\":true"));
    rolecall_string_free(report);
    char *again = NULL;
    OK(rolecall_export_tenant(fresh, sa2, false, &again));
    CHECK(json && again && strcmp(json, again) == 0);
    rolecall_string_free(again);
    report = NULL;
    OK(rolecall_import_tenant(fresh, sa2, json, &report));
    CHECK(report && strstr(report, "\"changed\":false"));
    rolecall_string_free(report);
    rolecall_string_free(json);

    /* Every problem at once, nothing applied. */
    uint64_t rev = 0, rev_after = 1;
    OK(rolecall_directory_revision(fresh, &rev));
    report = NULL;
    CHECK_STATUS(rolecall_import_users_csv(fresh, sa2,
                                           "email,first_name,last_name\n"
                                           "nope,Bad,Mail\n"
                                           "cat@co.test,,Kim\n",
                                           &report),
                 ROLECALL_STATUS_INVALID_IMPORT);
    CHECK(report && strstr(report, "\"location\":\"line 2\"") &&
          strstr(report, "\"location\":\"line 3\""));
    rolecall_string_free(report);
    OK(rolecall_directory_revision(fresh, &rev_after));
    CHECK(rev_after == rev);
    report = NULL;
    CHECK_STATUS(rolecall_import_tenant(fresh, sa2, "{not json", &report),
                 ROLECALL_STATUS_INVALID_IMPORT);
    rolecall_string_free(report);

    /* The rules: an ordinary user may neither export nor import. */
    rolecall_user_id ann = 0;
    rolecall_user *ann_rec = NULL;
    OK(rolecall_user_by_email(fresh, t2, "ann@co.test", &ann_rec));
    if (ann_rec) ann = ann_rec->id;
    rolecall_user_free(ann_rec);
    json = NULL;
    CHECK_STATUS(rolecall_export_tenant(fresh, ann, false, &json), ROLECALL_STATUS_PERMISSION_DENIED);
    CHECK(json == NULL);
    report = NULL;
    CHECK_STATUS(rolecall_import_users_csv(fresh, ann, "email,first_name,last_name\ne@co.test,E,F\n",
                                           &report),
                 ROLECALL_STATUS_PERMISSION_DENIED);
    CHECK(report == NULL);
    CHECK_STATUS(rolecall_export_tenant(fresh, ann, true, &json), ROLECALL_STATUS_PERMISSION_DENIED);

    /* Bad pointers. */
    CHECK_STATUS(rolecall_export_tenant(fresh, sa2, false, NULL), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_import_tenant(fresh, sa2, NULL, &report), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_import_users_csv(NULL, sa2, "email\n", &report),
                 ROLECALL_STATUS_NULL_POINTER);

    rolecall_directory_free(fresh);
    rolecall_directory_free(dir);
    (void)t;
    return tu_report("transfer");
}
