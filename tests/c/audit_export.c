/* Audit export through the C ABI (issue 17): pages read from a cursor with
 * rolecall_audit_after() (nothing skipped or repeated, a commit between pages exported too),
 * each event written as JSON Lines and as CEF with rolecall_audit_event_format(), a record the
 * caller filled with hostile text escaped, and bad input (NULL, a bad limit, an unknown format
 * or action) refused with a typed status. Built with -std=c11 -Wall -Wextra -Werror, linked
 * shared and static, run under valgrind. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdlib.h>

#include "testutil.h"

static rolecall_directory *dir;
static rolecall_user_id root;

static void add_user(const char *email) {
    rolecall_new_user u = {0};
    u.first_name = "U";
    u.last_name = "Tester";
    u.email = email;
    rolecall_user_id id = 0;
    OK(rolecall_user_create(dir, root, &u, &id));
}

static char *format(const rolecall_audit_event *e, rolecall_audit_format f) {
    char *line = NULL;
    OK(rolecall_audit_event_format(e, f, &line));
    return line;
}

static void cursor(void) {
    uint64_t cursor = 0, seen = 0, last = 0;
    int pages = 0;
    for (;;) {
        rolecall_audit_event_list *page = NULL;
        OK(rolecall_audit_after(dir, cursor, 2, &page));
        if (!page) return;
        size_t len = page->len;
        CHECK(len <= 2 && page->total == len && page->offset == 0);
        for (size_t i = 0; i < len; i++) {
            CHECK(page->items[i].seq > last); /* in order, never repeated */
            last = page->items[i].seq;
            seen++;
            char *json = format(&page->items[i], ROLECALL_AUDIT_FORMAT_JSONL);
            CHECK(json && strncmp(json, "{\"schema\":\"rolecall.audit/1\",\"seq\":", 35) == 0);
            rolecall_string_free(json);
            char *cef = format(&page->items[i], ROLECALL_AUDIT_FORMAT_CEF);
            CHECK(cef && strncmp(cef, "CEF:0|rolecall|rolecall|", 24) == 0);
            rolecall_string_free(cef);
        }
        if (len) cursor = page->items[len - 1].seq;
        rolecall_audit_event_list_free(page);
        if (len == 0) break;
        if (++pages == 1) add_user("late@acme.test"); /* a commit between two pages */
    }
    /* Everything: the tenant, three users, the late one. */
    rolecall_audit_query q;
    OK(rolecall_audit_query_default(&q));
    rolecall_audit_event_list *all = NULL;
    OK(rolecall_audit_search(dir, &q, &all));
    CHECK(all && seen == all->total && seen >= 5);
    if (all && all->len) CHECK(all->items[all->len - 1].seq == last);
    rolecall_audit_event_list_free(all);
}

static void hostile(void) {
    rolecall_audit_event e = {0};
    e.seq = 9;
    e.at = INT64_C(1700000000123);
    e.tenant = 1;
    e.has_actor = true;
    e.actor = 2;
    e.action = "delete_user";
    e.outcome = "permission_denied";
    e.detail = "x=1 | suid=0\nrt=5 \\";
    char *cef = format(&e, ROLECALL_AUDIT_FORMAT_CEF);
    CHECK(cef && strstr(cef, "|delete_user|delete_user refused: permission_denied|6|") != NULL);
    CHECK(cef && strstr(cef, "msg=x\\=1 | suid\\=0\\nrt\\=5 \\\\") != NULL);
    CHECK(cef && strchr(cef, '\n') == NULL);
    rolecall_string_free(cef);
    char *json = format(&e, ROLECALL_AUDIT_FORMAT_JSONL);
    CHECK(json && strstr(json, "\"time\":\"2023-11-14T22:13:20.123Z\",\"time_ms\":1700000000123") != NULL);
    CHECK(json && strstr(json, "\"detail\":\"x=1 | suid=0\\nrt=5 \\\\\"") != NULL);
    rolecall_string_free(json);
}

static void bad_input(void) {
    rolecall_audit_event_list *page = NULL;
    CHECK_STATUS(rolecall_audit_after(dir, 0, 0, &page), ROLECALL_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(rolecall_audit_after(dir, 0, 10001, &page), ROLECALL_STATUS_INVALID_ARGUMENT);
    CHECK(page == NULL);
    CHECK_STATUS(rolecall_audit_after(NULL, 0, 10, &page), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_audit_after(dir, 0, 10, NULL), ROLECALL_STATUS_NULL_POINTER);
    rolecall_audit_event e = {0};
    e.action = "login";
    e.outcome = "ok";
    char *line = NULL;
    CHECK_STATUS(rolecall_audit_event_format(&e, 7, &line), ROLECALL_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(rolecall_audit_event_format(NULL, ROLECALL_AUDIT_FORMAT_CEF, &line),
                 ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_audit_event_format(&e, ROLECALL_AUDIT_FORMAT_CEF, NULL),
                 ROLECALL_STATUS_NULL_POINTER);
    e.action = "no_such_action";
    CHECK_STATUS(rolecall_audit_event_format(&e, ROLECALL_AUDIT_FORMAT_JSONL, &line),
                 ROLECALL_STATUS_INVALID_ARGUMENT);
    e.action = NULL;
    CHECK_STATUS(rolecall_audit_event_format(&e, ROLECALL_AUDIT_FORMAT_JSONL, &line),
                 ROLECALL_STATUS_NULL_POINTER);
    CHECK(line == NULL);
}

int main(void) {
    OK(rolecall_directory_open_in_memory(&dir));
    rolecall_new_user su = {0};
    su.first_name = "Ada";
    su.last_name = "Root";
    su.email = "root@acme.test";
    rolecall_preset presets[] = {ROLECALL_PRESET_MANAGERS};
    rolecall_tenant_created *tc = NULL;
    OK(rolecall_tenant_create(dir, "Acme", &su, presets, 1, &tc));
    if (!tc) return tu_report("audit_export");
    root = tc->superadmin;
    rolecall_tenant_created_free(tc);
    add_user("u1@acme.test");
    add_user("u2@acme.test");
    add_user("u3@acme.test");

    cursor();
    hostile();
    bad_input();

    rolecall_directory_free(dir);
    return tu_report("audit_export");
}
