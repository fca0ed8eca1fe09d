/* Dry runs through the C ABI (issue 17): rolecall_simulate() runs a callback on a throwaway
 * fork and returns the impact as JSON; nothing reaches the directory (revision, audit log,
 * checks); a failing callback's code comes back as is, with no impact; the fork's ids are
 * those the real run then allocates; a callback freeing the fork by mistake is survived; bad
 * input (NULL callback, NULL out, wrong handle) gets a typed status. Built with -std=c11 -Wall
 * -Wextra -Werror, linked shared and static, run under valgrind. */
#include <stdint.h>
#include <stdlib.h>

#include "testutil.h"

static rolecall_directory *dir;
static rolecall_user_id root;
static rolecall_role_id operator_;

struct plan {
    rolecall_user_id user;
    rolecall_role_id role;
    rolecall_user_id created;
    int calls;
};

/* Grants the role, and creates a user. */
static rolecall_status grant(rolecall_directory *fork, void *ctx) {
    struct plan *p = ctx;
    p->calls++;
    rolecall_status st = rolecall_user_assign_role(fork, root, p->user, p->role);
    if (st != ROLECALL_STATUS_OK) return st;
    /* The fork answers as the change is applied there. */
    CHECK(rolecall_check(fork, p->user, ROLECALL_PERM_CAMPAIGNS_CONTROL));
    rolecall_new_user u = {0};
    u.first_name = "Eve";
    u.last_name = "Doe";
    u.email = "eve@acme.test";
    return rolecall_user_create(fork, root, &u, &p->created);
}

/* A change the actor may not make: its status is the callback's. */
static rolecall_status refused(rolecall_directory *fork, void *ctx) {
    struct plan *p = ctx;
    p->calls++;
    rolecall_new_user u = {0};
    u.first_name = "Mal";
    u.last_name = "Lory";
    u.email = "mal@acme.test";
    rolecall_user_id id = 0;
    return rolecall_user_create(fork, p->user, &u, &id);
}

/* Frees the fork it was told not to free: the library survives it. */
static rolecall_status frees(rolecall_directory *fork, void *ctx) {
    (void)ctx;
    rolecall_directory_free(fork);
    return ROLECALL_STATUS_OK;
}

static rolecall_status nothing(rolecall_directory *fork, void *ctx) {
    (void)fork;
    (void)ctx;
    return ROLECALL_STATUS_OK;
}

static size_t audit_total(void) {
    rolecall_audit_query q;
    OK(rolecall_audit_query_default(&q));
    rolecall_audit_event_list *events = NULL;
    OK(rolecall_audit_search(dir, &q, &events));
    size_t total = events ? events->total : 0;
    rolecall_audit_event_list_free(events);
    return total;
}

int main(void) {
    OK(rolecall_directory_open_in_memory(&dir));
    rolecall_new_user r = {0};
    r.first_name = "Ada";
    r.last_name = "Root";
    r.email = "root@acme.test";
    rolecall_preset presets[] = {ROLECALL_PRESET_MANAGERS};
    rolecall_tenant_created *created = NULL;
    OK(rolecall_tenant_create(dir, "Acme", &r, presets, 1, &created));
    if (!created) return tu_report("simulate");
    root = created->superadmin;
    rolecall_tenant_id tenant = created->tenant;
    rolecall_tenant_created_free(created);
    rolecall_role *role = NULL;
    OK(rolecall_role_by_name(dir, tenant, "Operator", &role));
    operator_ = role ? role->id : 0;
    rolecall_role_free(role);
    rolecall_new_user b = {0};
    b.first_name = "Bob";
    b.last_name = "Lee";
    b.email = "bob@acme.test";
    rolecall_user_id bob = 0;
    OK(rolecall_user_create(dir, root, &b, &bob));

    uint64_t revision = 0, after = 0;
    OK(rolecall_directory_revision(dir, &revision));
    size_t events = audit_total();

    /* A role grant and a creation, planned. */
    struct plan p = {bob, operator_, 0, 0};
    char *json = NULL;
    OK(rolecall_simulate(dir, grant, &p, &json));
    CHECK(p.calls == 1 && p.created != 0);
    CHECK(json != NULL);
    if (json) {
        CHECK(strstr(json, "\"changed\":true") != NULL);
        CHECK(strstr(json, "\"commits\":2") != NULL);
        CHECK(strstr(json, "\"email\":\"bob@acme.test\"") != NULL);
        CHECK(strstr(json, "{\"permission\":\"campaigns.control\",\"scope\":null}") != NULL);
        CHECK(strstr(json, "\"email\":\"eve@acme.test\",\"lifecycle\":\"created\"") != NULL);
    }
    rolecall_string_free(json);
    /* Nothing reached the directory. */
    OK(rolecall_directory_revision(dir, &after));
    CHECK(after == revision);
    CHECK(audit_total() == events);
    CHECK(!rolecall_check(dir, bob, ROLECALL_PERM_CAMPAIGNS_CONTROL));
    rolecall_user *eve = NULL;
    CHECK_STATUS(rolecall_user_get(dir, p.created, &eve), ROLECALL_STATUS_UNKNOWN_USER);
    /* The real run allocates the ids the plan showed. */
    OK(rolecall_user_assign_role(dir, root, bob, operator_));
    rolecall_new_user e = {0};
    e.first_name = "Eve";
    e.last_name = "Doe";
    e.email = "eve@acme.test";
    rolecall_user_id real = 0;
    OK(rolecall_user_create(dir, root, &e, &real));
    CHECK(real == p.created);

    /* A refused change: the callback's status comes back, with its last error, and no JSON. */
    OK(rolecall_directory_revision(dir, &revision));
    events = audit_total();
    rolecall_user_id olga = 0;
    rolecall_new_user o = {0};
    o.first_name = "Olga";
    o.last_name = "Petrova";
    o.email = "olga@acme.test";
    OK(rolecall_user_create(dir, root, &o, &olga));
    OK(rolecall_user_assign_role(dir, root, olga, operator_));
    OK(rolecall_directory_revision(dir, &revision));
    events = audit_total();
    struct plan q = {olga, operator_, 0, 0};
    json = (char *)1;
    CHECK_STATUS(rolecall_simulate(dir, refused, &q, &json), ROLECALL_STATUS_PERMISSION_DENIED);
    CHECK(json == NULL && q.calls == 1);
    OK(rolecall_directory_revision(dir, &after));
    CHECK(after == revision && audit_total() == events);

    /* Nothing done: no change, no user. */
    OK(rolecall_simulate(dir, nothing, NULL, &json));
    if (json) CHECK(strstr(json, "\"changed\":false,\"users\":[]") != NULL);
    rolecall_string_free(json);
    json = NULL;

    /* A callback freeing the fork does not break the library (valgrind checks it). */
    OK(rolecall_simulate(dir, frees, NULL, &json));
    rolecall_string_free(json);
    json = NULL;

    /* Bad input. */
    CHECK_STATUS(rolecall_simulate(dir, NULL, NULL, &json), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_simulate(dir, nothing, NULL, NULL), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_simulate(NULL, nothing, NULL, &json), ROLECALL_STATUS_NULL_POINTER);
    uint64_t not_a_handle[4] = {0};
    CHECK_STATUS(rolecall_simulate((const rolecall_directory *)not_a_handle, nothing, NULL, &json),
                 ROLECALL_STATUS_INVALID_HANDLE);
    CHECK(json == NULL);

    rolecall_directory_free(dir);
    return tu_report("simulate");
}
