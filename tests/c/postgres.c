/* The PostgreSQL store through the C ABI, against a real server: ROLECALL_TEST_PG names it
 * (scripts/test-all.sh starts a throwaway cluster and exports it; without it this test fails,
 * it is never skipped). Two directories on one database, revision tokens, freshness, typed
 * errors for bad input, the log callback. Everything happens in a schema of this run's own,
 * dropped at the end. */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

struct log_seen {
    pthread_mutex_t lock;
    int warnings;
    int infos;
    int bad;
};

static void on_log(void *user_data, rolecall_log_level level, const char *message) {
    struct log_seen *seen = user_data;
    pthread_mutex_lock(&seen->lock);
    if (level == ROLECALL_LOG_WARN) seen->warnings++;
    else if (level == ROLECALL_LOG_INFO) seen->infos++;
    if (message == NULL || message[0] == '\0' || level < ROLECALL_LOG_ERROR ||
        level > ROLECALL_LOG_INFO)
        seen->bad++;
    pthread_mutex_unlock(&seen->lock);
}

static int count(struct log_seen *seen, int *field) {
    pthread_mutex_lock(&seen->lock);
    int n = *field;
    pthread_mutex_unlock(&seen->lock);
    return n;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Runs SQL on the test server with psql (the library never drops or kills anything). */
static int psql(const char *conninfo, const char *sql) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "psql -q -X -v ON_ERROR_STOP=1 -c \"SET client_min_messages = warning; %s\" \"%s\" >/dev/null", sql,
             conninfo);
    return system(cmd);
}

static rolecall_user_id new_tenant(rolecall_directory *dir) {
    rolecall_new_user root = {0};
    root.first_name = "Ada";
    root.last_name = "Root";
    root.email = "root@acme.test";
    rolecall_preset presets[] = {ROLECALL_PRESET_MANAGERS};
    rolecall_tenant_created *created = NULL;
    OK(rolecall_tenant_create(dir, "Acme", &root, presets, 1, &created));
    if (!created) return 0;
    rolecall_user_id sa = created->superadmin;
    rolecall_tenant_created_free(created);
    return sa;
}

int main(void) {
    const char *server = getenv("ROLECALL_TEST_PG");
    if (server == NULL || server[0] == '\0') {
        fprintf(stderr, "postgres: ROLECALL_TEST_PG is not set (scripts/test-all.sh sets it)\n");
        return 1;
    }
    char app[64], conninfo[1024], schema[64], other_schema[64];
    snprintf(app, sizeof app, "rolecall_c_%ld", (long)getpid());
    snprintf(schema, sizeof schema, "c_%ld", (long)getpid());
    snprintf(other_schema, sizeof other_schema, "c_%ld_other", (long)getpid());
    /* The application name lets this test find its own connections on a shared server. */
    snprintf(conninfo, sizeof conninfo, "%s application_name=%s", server, app);

    struct log_seen seen = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};
    OK(rolecall_set_log_callback(on_log, &seen));

    /* Options: defaults, then this run's schema and a short poll interval. */
    rolecall_postgres_options opts;
    memset(&opts, 0xA5, sizeof opts);
    OK(rolecall_postgres_options_default(&opts));
    CHECK(opts.schema == NULL && opts.tls_ca_pem == NULL && opts.listen);
    CHECK(opts.lock_timeout_ms == 5000 && opts.connect_timeout_ms == 5000);
    CHECK(opts.poll_interval_ms == 1000 && opts.log_keep == 10000);
    CHECK(opts.log_max_age_ms == 7ull * 24 * 3600 * 1000);
    opts.schema = schema;
    opts.poll_interval_ms = 50;

    /* Two instances of one directory, as on two hosts. */
    rolecall_directory *a = NULL, *b = NULL;
    OK(rolecall_directory_open_postgres(conninfo, &opts, &a));
    OK(rolecall_directory_open_postgres(conninfo, &opts, &b));
    if (!a || !b) return tu_report("postgres");

    int64_t caught_up = 0;
    OK(rolecall_directory_caught_up_at(a, &caught_up));
    CHECK(caught_up > (int64_t)time(NULL) * 1000 - 60000);
    uint64_t reloads = 99;
    OK(rolecall_directory_full_reloads(a, &reloads));
    CHECK(reloads == 0);

    bool changed = true;
    OK(rolecall_directory_wait_for_change(b, 10, &changed));
    CHECK(!changed);

    /* A write on a, visible on b after at_least(token). */
    rolecall_user_id root = new_tenant(a);
    char *token = NULL;
    OK(rolecall_directory_revision_token(a, &token));
    CHECK(token != NULL && strncmp(token, "rc1.", 4) == 0);
    uint64_t rev_a = 0, rev_b = 0;
    OK(rolecall_directory_revision(a, &rev_a));
    OK(rolecall_directory_revision(b, &rev_b));
    CHECK(rev_a > 0 && rev_b == 0);
    CHECK(!rolecall_check(b, root, ROLECALL_PERM_USERS_MANAGE));
    OK(rolecall_directory_wait_for_change(b, 5000, &changed));
    CHECK(changed);
    rolecall_snapshot *snap = NULL;
    OK(rolecall_directory_at_least(b, token, 5000, &snap));
    uint64_t snap_rev = 0;
    OK(rolecall_snapshot_revision(snap, &snap_rev));
    CHECK(snap_rev >= rev_a);
    CHECK(rolecall_snapshot_check(snap, root, ROLECALL_PERM_USERS_MANAGE));
    CHECK(rolecall_check(b, root, ROLECALL_PERM_USERS_MANAGE));
    rolecall_snapshot_free(snap);
    OK(rolecall_directory_at_least(b, token, 0, NULL)); /* the snapshot is optional */

    /* A token newer than the store holds, one of another schema, malformed ones: refused. */
    char newer[256];
    snprintf(newer, sizeof newer, "%.*s%llu", (int)(strrchr(token, '.') - token + 1), token,
             (unsigned long long)(rev_a + 100));
    CHECK_STATUS(rolecall_directory_at_least(b, newer, 100, NULL),
                 ROLECALL_STATUS_FOREIGN_TOKEN);
    CHECK_STATUS(rolecall_directory_at_least(b, "not a token", 0, NULL),
                 ROLECALL_STATUS_FOREIGN_TOKEN);
    rolecall_postgres_options other_opts;
    OK(rolecall_postgres_options_default(&other_opts));
    other_opts.schema = other_schema;
    other_opts.listen = false;
    rolecall_directory *other = NULL;
    OK(rolecall_directory_open_postgres(conninfo, &other_opts, &other));
    CHECK_STATUS(rolecall_directory_at_least(other, token, 100, NULL),
                 ROLECALL_STATUS_FOREIGN_TOKEN);
    char *other_token = NULL;
    OK(rolecall_directory_revision_token(other, &other_token));
    CHECK(other_token && strcmp(other_token, token) != 0);
    CHECK_STATUS(rolecall_directory_at_least(a, other_token, 100, NULL),
                 ROLECALL_STATUS_FOREIGN_TOKEN);
    rolecall_string_free(other_token);
    /* Without the listener, waiting polls the store; there is no change descriptor. */
    OK(rolecall_directory_wait_for_change(other, 0, &changed));
    CHECK(!changed);
    int no_fd = -7;
    CHECK_STATUS(rolecall_directory_change_fd(other, &no_fd), ROLECALL_STATUS_INVALID_ARGUMENT);
    CHECK(no_fd == -7);
    rolecall_directory_free(other);
    rolecall_string_free(token);

    /* A write on b comes back to a through refresh. */
    rolecall_new_user bo = {0};
    bo.first_name = "Bo";
    bo.last_name = "Two";
    bo.email = "bo@acme.test";
    rolecall_user_id bo_id = 0;
    OK(rolecall_user_create(b, root, &bo, &bo_id));
    OK(rolecall_directory_wait_for_change(a, 5000, &changed));
    CHECK(changed);
    uint64_t refreshed = 0;
    OK(rolecall_directory_refresh(a, &refreshed));
    OK(rolecall_directory_revision(b, &rev_b));
    CHECK(refreshed == rev_b);

    /* Host-driven catching up from an event loop: a's change descriptor, waited on with
     * poll(2); refresh applies and clears it. */
    int fd = -1, same_fd = -2;
    OK(rolecall_directory_change_fd(a, &fd));
    OK(rolecall_directory_change_fd(a, &same_fd));
    CHECK(fd >= 0 && same_fd == fd);
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    /* Earlier commits (a's own included) may still be announced: refresh until quiet. */
    for (int i = 0; i < 20 && poll(&pfd, 1, 300) == 1; i++) OK(rolecall_directory_refresh(a, NULL));
    pfd.revents = 0;
    CHECK(poll(&pfd, 1, 0) == 0);
    rolecall_new_user cy = {0};
    cy.first_name = "Cy";
    cy.last_name = "Three";
    cy.email = "cy@acme.test";
    rolecall_user_id cy_id = 0;
    OK(rolecall_user_create(b, root, &cy, &cy_id));
    OK(rolecall_directory_revision(b, &rev_b));
    CHECK(poll(&pfd, 1, 10000) == 1 && (pfd.revents & POLLIN));
    OK(rolecall_directory_revision(a, &rev_a));
    CHECK(rev_a < rev_b); /* nothing applied before the host refreshes */
    CHECK(poll(&pfd, 1, 0) == 1); /* level-triggered: readable until then */
    OK(rolecall_directory_refresh(a, &refreshed));
    CHECK(refreshed == rev_b);
    pfd.revents = 0;
    CHECK(poll(&pfd, 1, 0) == 0);

    /* The library's follower thread keeps a caught up, until stopped. */
    rolecall_follower *follower = NULL;
    OK(rolecall_directory_follow(a, &follower));
    CHECK(follower != NULL);
    rolecall_new_user dee = {0};
    dee.first_name = "Dee";
    dee.last_name = "Four";
    dee.email = "dee@acme.test";
    rolecall_user_id dee_id = 0;
    OK(rolecall_user_create(b, root, &dee, &dee_id));
    OK(rolecall_directory_revision(b, &rev_b));
    for (int i = 0; i < 1000 && rev_a < rev_b; i++) {
        sleep_ms(10);
        OK(rolecall_directory_revision(a, &rev_a));
    }
    CHECK(rev_a == rev_b);
    rolecall_follower_stop(follower);
    rolecall_follower_stop(NULL);
    dee.email = "dee2@acme.test";
    OK(rolecall_user_create(b, root, &dee, &dee_id));
    OK(rolecall_directory_revision(b, &rev_b));
    sleep_ms(500);
    OK(rolecall_directory_revision(a, &rev_a));
    CHECK(rev_a < rev_b); /* stopped: nothing applied */
    OK(rolecall_directory_refresh(a, NULL));
    /* A follower on b, stopped only after b is freed (the thread ends with the directory). */
    rolecall_follower *late = NULL;
    OK(rolecall_directory_follow(b, &late));

    /* The log callback: this run's connections killed by the server, the library reconnects
     * and says so (a warning when lost, a notice when back). */
    char kill[512];
    snprintf(kill, sizeof kill,
             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = "
             "'%s' AND pid <> pg_backend_pid()",
             app);
    CHECK(psql(server, kill) == 0);
    for (int i = 0; i < 500 && (count(&seen, &seen.warnings) == 0 || count(&seen, &seen.infos) == 0);
         i++)
        sleep_ms(20);
    CHECK(count(&seen, &seen.warnings) > 0);
    CHECK(count(&seen, &seen.infos) > 0);
    CHECK(count(&seen, &seen.bad) == 0);
    /* The directories work on after the loss. */
    char *again = NULL;
    OK(rolecall_directory_revision_token(a, &again));
    CHECK(again != NULL);
    rolecall_string_free(again);
    OK(rolecall_set_log_callback(NULL, NULL));

    /* Bad input: typed statuses, out-parameters untouched. */
    rolecall_directory *bad = (rolecall_directory *)(uintptr_t)1;
    CHECK_STATUS(rolecall_directory_open_postgres("host=/tmp port=notaport", NULL, &bad),
                 ROLECALL_STATUS_INVALID_ARGUMENT);
    CHECK(bad == (rolecall_directory *)(uintptr_t)1);
    rolecall_postgres_options empty;
    OK(rolecall_postgres_options_default(&empty));
    empty.schema = "";
    CHECK_STATUS(rolecall_directory_open_postgres(conninfo, &empty, &bad),
                 ROLECALL_STATUS_INVALID_ARGUMENT);
    empty.schema = "\xff\xfe";
    CHECK_STATUS(rolecall_directory_open_postgres(conninfo, &empty, &bad),
                 ROLECALL_STATUS_INVALID_UTF8);
    empty.schema = NULL;
    empty.tls_ca_pem = "\xc3\x28";
    CHECK_STATUS(rolecall_directory_open_postgres(conninfo, &empty, &bad),
                 ROLECALL_STATUS_INVALID_UTF8);
    rolecall_postgres_options unreachable;
    OK(rolecall_postgres_options_default(&unreachable));
    unreachable.connect_timeout_ms = 1000;
    CHECK_STATUS(
        rolecall_directory_open_postgres("host=/nonexistent-rolecall port=5432 user=x",
                                         &unreachable, &bad),
        ROLECALL_STATUS_UNAVAILABLE);
    CHECK(bad == (rolecall_directory *)(uintptr_t)1);
    CHECK_STATUS(rolecall_directory_open_postgres(NULL, NULL, &bad), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_directory_open_postgres("\xff", NULL, &bad), ROLECALL_STATUS_INVALID_UTF8);
    CHECK_STATUS(rolecall_directory_open_postgres(conninfo, NULL, NULL),
                 ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_postgres_options_default(NULL), ROLECALL_STATUS_NULL_POINTER);
    char *tok = NULL;
    CHECK_STATUS(rolecall_directory_revision_token(NULL, &tok), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_directory_revision_token(a, NULL), ROLECALL_STATUS_NULL_POINTER);
    CHECK(tok == NULL);
    CHECK_STATUS(rolecall_directory_at_least(NULL, "x", 0, NULL), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_directory_at_least(a, NULL, 0, NULL), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_directory_at_least(a, "\xff", 0, NULL), ROLECALL_STATUS_INVALID_UTF8);
    CHECK_STATUS(rolecall_directory_wait_for_change(a, 0, NULL), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_directory_wait_for_change(NULL, 0, &changed),
                 ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_directory_caught_up_at(NULL, &caught_up), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_directory_caught_up_at(a, NULL), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_directory_full_reloads(NULL, &reloads), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_directory_full_reloads(a, NULL), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_directory_change_fd(NULL, &fd), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_directory_change_fd(a, NULL), ROLECALL_STATUS_NULL_POINTER);
    rolecall_follower *no_follower = NULL;
    CHECK_STATUS(rolecall_directory_follow(NULL, &no_follower), ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_directory_follow(a, NULL), ROLECALL_STATUS_NULL_POINTER);
    CHECK(no_follower == NULL);
    /* A snapshot handle passed as a directory. */
    rolecall_snapshot *s = NULL;
    OK(rolecall_directory_snapshot(a, &s));
    CHECK_STATUS(rolecall_directory_revision_token((const rolecall_directory *)s, &tok),
                 ROLECALL_STATUS_INVALID_HANDLE);
    CHECK_STATUS(rolecall_directory_follow((const rolecall_directory *)s, &no_follower),
                 ROLECALL_STATUS_INVALID_HANDLE);
    rolecall_snapshot_free(s);

    rolecall_directory_free(a);
    rolecall_directory_free(b);
    rolecall_follower_stop(late);
    char drop[256];
    snprintf(drop, sizeof drop, "DROP SCHEMA IF EXISTS %s CASCADE; DROP SCHEMA IF EXISTS %s CASCADE",
             schema, other_schema);
    CHECK(psql(server, drop) == 0);
    return tu_report("postgres");
}
