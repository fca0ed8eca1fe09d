/* External ids through the C ABI (issue 17): the new user's trailing `external_id`
 * (zero-initialised: none), the user record's `external_id`, the look-up by external id (exact),
 * duplicates and bad values refused with nothing changed, and the patch's `external_id` /
 * `remove_external_id` (zero: unchanged).
 * Built with -std=c11 -Wall -Wextra -Werror, linked shared and static, run under valgrind. */
#include <stdint.h>
#include <stdlib.h>

#include "testutil.h"

static rolecall_directory *dir;
static rolecall_tenant_id tenant;
static rolecall_user_id root;

static rolecall_status create(const char *email, const char *external_id, rolecall_user_id *id) {
    rolecall_new_user u = {0};
    u.first_name = "Test";
    u.last_name = "User";
    u.email = email;
    u.external_id = external_id;
    return rolecall_user_create(dir, root, &u, id);
}

static void scenario(void) {
    rolecall_user_id bob = 0, plain = 0, other = 0;
    OK(create("bob@acme.test", "okta|00u1Bob", &bob));
    OK(create("pat@acme.test", NULL, &plain));

    rolecall_user *u = NULL;
    OK(rolecall_user_by_external_id(dir, tenant, "okta|00u1Bob", &u));
    CHECK(u && u->id == bob);
    CHECK_STR(u ? u->external_id : NULL, "okta|00u1Bob");
    rolecall_user_free(u);
    u = NULL;
    OK(rolecall_user_get(dir, plain, &u));
    CHECK(u && u->external_id == NULL);
    rolecall_user_free(u);
    u = NULL;

    /* Exact: another case is another id. */
    CHECK_STATUS(rolecall_user_by_external_id(dir, tenant, "OKTA|00U1BOB", &u),
                 ROLECALL_STATUS_UNKNOWN_USER);
    CHECK_STATUS(rolecall_user_by_external_id(dir, tenant, NULL, &u),
                 ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_user_by_external_id(dir, tenant, "\xff", &u),
                 ROLECALL_STATUS_INVALID_UTF8);

    /* Unique per tenant; bad values refused; nothing created. */
    uint64_t rev = 0, after = 1;
    OK(rolecall_directory_revision(dir, &rev));
    CHECK_STATUS(create("eve@acme.test", "okta|00u1Bob", &other), ROLECALL_STATUS_DUPLICATE_NAME);
    CHECK_STATUS(create("eve@acme.test", " padded", &other), ROLECALL_STATUS_INVALID_NAME);
    CHECK_STATUS(create("eve@acme.test", "a\nb", &other), ROLECALL_STATUS_INVALID_NAME);
    OK(rolecall_directory_revision(dir, &after));
    CHECK(after == rev);

    /* A patch sets it, a zero patch leaves it, remove_external_id clears it. */
    rolecall_user_patch p = {0};
    p.external_id = "E-7";
    OK(rolecall_user_update(dir, root, plain, &p));
    rolecall_user_patch keep = {0};
    keep.first_name = "Patricia";
    OK(rolecall_user_update(dir, root, plain, &keep));
    OK(rolecall_user_by_external_id(dir, tenant, "E-7", &u));
    CHECK(u && u->id == plain);
    rolecall_user_free(u);
    u = NULL;
    rolecall_user_patch both = {0};
    both.external_id = "E-8";
    both.remove_external_id = true;
    CHECK_STATUS(rolecall_user_update(dir, root, plain, &both), ROLECALL_STATUS_INVALID_ARGUMENT);
    rolecall_user_patch clear = {0};
    clear.remove_external_id = true;
    OK(rolecall_user_update(dir, root, plain, &clear));
    CHECK_STATUS(rolecall_user_by_external_id(dir, tenant, "E-7", &u),
                 ROLECALL_STATUS_UNKNOWN_USER);
}

int main(void) {
    OK(rolecall_directory_open_in_memory(&dir));
    rolecall_new_user sa = {0};
    sa.first_name = "Ada";
    sa.last_name = "Root";
    sa.email = "ada@acme.test";
    rolecall_tenant_created *t = NULL;
    OK(rolecall_tenant_create(dir, "Acme", &sa, NULL, 0, &t));
    root = t ? t->superadmin : 0;
    tenant = t ? t->tenant : 0;
    rolecall_tenant_created_free(t);
    scenario();
    rolecall_directory_free(dir);
    return tu_report("external_ids");
}
