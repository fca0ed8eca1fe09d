/* Replays the language-neutral conformance vectors (every tests/vectors/NAME.json; format:
 * tests/vectors/README.md) through the C ABI of librolecall, exactly as the Rust runner
 * (core/tests/vectors.rs) replays them through the Rust API: a fresh in-memory directory per
 * file on a manual clock reading 1800000000000 ms (only `advance_clock` moves it), steps in
 * order, a file stops at its first failing step, an expected error must leave
 * the revision unchanged. A file added to the directory is picked up without code changes.
 *
 * Usage: run_vectors [DIR | FILE.json]   (default: $ROLECALL_VECTORS, else tests/vectors)
 * Prints one line per file, every failure, and finally "c-vectors: N passed, M failed". */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json.h"
#include "rolecall.h"

/* ====================================================================== the format */

static const char *const COMMON[] = {"op", "expect", "note", NULL};

/* The instant every file starts at, ms since the Unix epoch (2027-01-15T08:00:00Z). */
#define VECTORS_T0 INT64_C(1800000000000)

typedef struct {
    const char *op;
    const char *keys[14];
} opdef;

static const opdef MUTATIONS[] = {
    {"create_tenant", {"name", "superadmin", "presets", "bind", "bind_superadmin"}},
    {"install_preset", {"preset"}},
    {"create_user", {"first_name", "last_name", "email", "phone", "roles", "scopes", "teams", "grants", "groups", "active", "password", "temporary", "bind"}},
    {"create_users", {"users", "times"}},
    {"update_user", {"user", "first_name", "last_name", "email", "phone"}},
    {"set_active", {"user", "active"}},
    {"delete_user", {"user"}},
    {"assign_role", {"user", "role"}},
    {"revoke_role", {"user", "role"}},
    {"set_user_roles", {"user", "roles"}},
    {"create_role", {"name", "permissions", "denied", "scoped", "admin_tier", "description", "bind"}},
    {"update_role", {"role", "name", "permissions", "denied", "description"}},
    {"delete_role", {"role"}},
    {"create_group", {"name", "roles", "bind"}},
    {"rename_group", {"group", "name"}},
    {"add_group_role", {"group", "role"}},
    {"remove_group_role", {"group", "role"}},
    {"add_member", {"group", "user"}},
    {"add_members", {"group", "users"}},
    {"remove_member", {"group", "user"}},
    {"delete_group", {"group"}},
    {"create_scope", {"kind", "name", "parent", "bind"}},
    {"move_scope", {"scope", "parent"}},
    {"delete_scope", {"scope"}},
    {"delete_scope_moving", {"scope"}},
    {"grant_role_in_scope", {"user", "role", "scope"}},
    {"revoke_role_in_scope", {"user", "role", "scope"}},
    {"set_user_teams", {"user", "teams"}},
    {"assign_scope", {"user", "scope"}},
    {"unassign_scope", {"user", "scope"}},
    {"set_user_scopes", {"user", "scopes"}},
    {"create_agreement", {"name", "owner", "bind"}},
    {"set_access_level", {"agreement", "user", "product", "level"}},
    {"transfer_ownership", {"agreement", "new_owner"}},
    {"link_pbx_subscriber", {"agreement", "user", "subscriber"}},
    {"set_tenant_settings", {"strict_agreement_levels", "phone_region"}},
    {"add_sod_rule", {"name", "first", "second"}},
    {"remove_sod_rule", {"name"}},
    {"set_password", {"user", "password", "temporary"}},
    {"security_stamp", {"user", "bind"}},
    {"set_password_policy", {"min_length", "max_length", "reject_common", "reject_personal", "max_failed_logins",
                             "lockout_ms", "reset_token_ttl_ms"}},
    {"unlock", {"user"}},
    {"change_password", {"user", "current", "new"}},
    {"request_password_reset", {"tenant", "email", "bind"}},
    {"reset_password_with_token", {"tenant", "token", "password"}},
    {"advance_clock", {"ms"}},
    {"grant_for", {"user", "grant", "from", "until"}},
    {"make_eligible", {"user", "role", "scope", "max_ms"}},
    {"revoke_eligibility", {"user", "role", "scope"}},
    {"activate", {"user", "role", "scope", "duration_ms", "justification"}},
    {"end_activation", {"user", "role", "scope"}},
    {"set_break_glass", {"user", "break_glass"}},
    {NULL, {NULL}},
};

static const opdef QUERIES[] = {
    {"check", {"user", "permission"}},
    {"check_scoped", {"user", "permission", "scope"}},
    {"effective_permissions", {"user"}},
    {"allowed_scopes", {"user", "permission", "kind"}},
    {"check_user", {"user", "permission", "target"}},
    {"get_scope", {"scope"}},
    {"child_scopes", {"scope"}},
    {"team_members", {"scope"}},
    {"search_users_as", {"user", "text", "active_only", "offset", "limit"}},
    {"get_user_as", {"user", "target"}},
    {"explain", {"user", "permission"}},
    {"users_with_permission", {"tenant", "permission", "scope"}},
    {"access_level", {"agreement", "user", "product"}},
    {"may_listen_recordings", {"agreement", "user", "subscriber"}},
    {"may_click_to_call", {"agreement", "user", "subscriber"}},
    {"pbx_subscriber", {"agreement", "user"}},
    {"group_members", {"group", "tenant"}},
    {"group_permissions", {"group", "tenant"}},
    {"get_user", {"user"}},
    {"get_role", {"role", "tenant"}},
    {"get_group", {"group", "tenant"}},
    {"user_by_email", {"tenant", "email"}},
    {"search_users", {"tenant", "text", "active_only", "offset", "limit"}},
    {"tenant_settings", {"tenant"}},
    {"sod_rules", {"tenant"}},
    {"sod_violations", {"tenant"}},
    {"session_valid", {"user", "stamp"}},
    {"login", {"tenant", "email", "password"}},
    {"credential_status", {"user"}},
    {"audit_events", {"tenant", "action", "outcome", "contains"}},
    {"notifications", {NULL}},
    {"valid_until", {NULL}},
    {NULL, {NULL}},
};

/* The keys of one user in `create_users`. */
static const char *const NEW_USER_KEYS[] = {"first_name", "last_name", "email",  "phone",
                                            "roles",      "scopes",    "teams",  "grants",
                                            "groups",     "active",    "password", "temporary",
                                            NULL};

/* K_STAMP: a security stamp remembered by `security_stamp` (the handle holds the stamp).
 * K_TOKEN: a recovery token issued by `request_password_reset` (the handle holds its index in
 * runner.tokens). */
typedef enum { K_TENANT, K_USER, K_ROLE, K_GROUP, K_SCOPE, K_AGREEMENT, K_STAMP, K_TOKEN } kind;
static const char *const KIND_NAME[] = {"Tenant", "User", "Role", "Group", "Scope", "Agreement",
                                        "Stamp", "Token"};

/* Steps listed with the mutations that name no acting user. */
static const char *const NO_ACTOR[] = {"create_tenant", "security_stamp", "change_password",
                                       "request_password_reset", "reset_password_with_token",
                                       "advance_clock", "activate", NULL};

/* Steps that record a refused attempt (a failed login or a wrong current password counts
 * toward the lock), so that an expected error may move the revision. */
static const char *const RECORDS_ATTEMPTS[] = {"login", "change_password", NULL};

/* Why a step stopped: the API refused (an outcome to compare), the vector is malformed, or an
 * argument cannot be expressed through the C ABI (a string holding U+0000, a parent scope 0). */
typedef enum { S_API = 1, S_BAD, S_NUL } stop_kind;

typedef struct {
    stop_kind k;
    char kind[64];
    char msg[768];
} stop;

static int bad(stop *st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    st->k = S_BAD;
    vsnprintf(st->msg, sizeof st->msg, fmt, ap);
    va_end(ap);
    return -1;
}

static int api_error(stop *st, rolecall_status code) {
    st->k = S_API;
    snprintf(st->kind, sizeof st->kind, "%s", rolecall_status_kind(code));
    snprintf(st->msg, sizeof st->msg, "%s", rolecall_last_error_message());
    return -1;
}

/* Calls the C API; a non-OK status stops the step with the API's error. */
#define API(call)                                                                            \
    do {                                                                                     \
        rolecall_status api_st_ = (call);                                                    \
        if (api_st_ != ROLECALL_STATUS_OK) return api_error(st, api_st_);                    \
    } while (0)

#define TRY(expr)                                                                            \
    do {                                                                                     \
        if ((expr) != 0) return -1;                                                          \
    } while (0)

/* ====================================================================== the runner */

typedef struct {
    char *handle;
    kind k;
    uint64_t id;
} binding;

typedef struct {
    rolecall_directory *dir;
    rolecall_manual_clock *clock; /* the file's clock: only `advance_clock` moves it */
    binding *b;
    size_t n, cap;
    char **tokens; /* the recovery tokens bound to handles */
    size_t ntokens;
} runner;

/* The tenant in which role and group names are resolved, determined lazily: a failure to
 * determine it matters only when a name must be resolved. */
typedef struct {
    int state; /* 0: none, 1: tenant, 2: error */
    uint64_t tenant;
    stop err;
} ctx;

static const binding *find_handle(const runner *r, const char *h) {
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->b[i].handle, h) == 0) return &r->b[i];
    return NULL;
}

static const char *handle_of(const runner *r, kind k, uint64_t id) {
    for (size_t i = 0; i < r->n; i++)
        if (r->b[i].k == k && r->b[i].id == id) return r->b[i].handle;
    return NULL;
}

static jval ref_value(const runner *r, kind k, uint64_t id) {
    const char *h = handle_of(r, k, id);
    return h ? json_str(h) : json_u64(id);
}

static int bind(runner *r, const jval *h, kind k, uint64_t id, stop *st) {
    if (!h) return 0;
    if (h->type != J_STR || strlen(h->s) != h->len) return bad(st, "a handle must be a string");
    if (find_handle(r, h->s)) return bad(st, "handle \"%s\" is already bound", h->s);
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->b = realloc(r->b, r->cap * sizeof *r->b);
        if (!r->b) abort();
    }
    r->b[r->n].handle = strdup(h->s);
    r->b[r->n].k = k;
    r->b[r->n].id = id;
    r->n++;
    return 0;
}

/* ---------------------------------------------------------------------- arguments */

static int get(const jval *a, const char *key, const jval **out, stop *st) {
    *out = json_get(a, key);
    return *out ? 0 : bad(st, "missing field \"%s\"", key);
}

/* A string argument for the C API: it must not hold U+0000, which no C string can carry. */
static int c_string(const jval *v, const char *key, const char **out, stop *st) {
    if (v->type != J_STR) return bad(st, "field \"%s\" must be a string", key);
    if (strlen(v->s) != v->len) {
        st->k = S_NUL;
        snprintf(st->msg, sizeof st->msg,
                 "field \"%s\" holds U+0000, which a NUL-terminated C string cannot carry", key);
        return -1;
    }
    *out = v->s;
    return 0;
}

static int str(const jval *a, const char *key, const char **out, stop *st) {
    const jval *v;
    TRY(get(a, key, &v, st));
    return c_string(v, key, out, st);
}

static int opt_str(const jval *a, const char *key, const char **out, stop *st) {
    const jval *v = json_get(a, key);
    *out = NULL;
    return v ? c_string(v, key, out, st) : 0;
}

static int bool_or(const jval *a, const char *key, bool dflt, bool *out, stop *st) {
    const jval *v = json_get(a, key);
    if (!v) {
        *out = dflt;
        return 0;
    }
    if (v->type != J_BOOL) return bad(st, "field \"%s\" must be a boolean", key);
    *out = v->b;
    return 0;
}

static int size_or(const jval *a, const char *key, size_t dflt, size_t *out, stop *st) {
    const jval *v = json_get(a, key);
    uint64_t n;
    if (!v) {
        *out = dflt;
        return 0;
    }
    if (!json_as_u64(v, &n) || n > SIZE_MAX)
        return bad(st, "field \"%s\" must be a non-negative integer", key);
    *out = (size_t)n;
    return 0;
}

/* A JSON integer as int64_t (negative allowed); false for anything else or out of range. */
static bool as_i64(const jval *v, int64_t *out) {
    if (v->type != J_NUM) return false;
    char *end;
    errno = 0;
    long long n = strtoll(v->s, &end, 10);
    if (errno || *end != '\0') return false;
    *out = (int64_t)n;
    return true;
}

static const jval EMPTY_ARRAY = {J_ARR, false, NULL, 0, NULL, NULL, 0, 0};

static int list_or_empty(const jval *a, const char *key, const jval **out, stop *st) {
    const jval *v = json_get(a, key);
    if (!v) {
        *out = &EMPTY_ARRAY;
        return 0;
    }
    if (v->type != J_ARR) return bad(st, "field \"%s\" must be an array", key);
    *out = v;
    return 0;
}

static int permission(const jval *a, const char *key, rolecall_permission *out, stop *st) {
    const char *name;
    TRY(str(a, key, &name, st));
    API(rolecall_permission_from_name(name, out));
    return 0;
}

static int permissions(const jval *a, const char *key, rolecall_permission *out, stop *st) {
    const jval *list;
    TRY(list_or_empty(a, key, &list, st));
    *out = ROLECALL_PERM_NONE;
    for (size_t i = 0; i < list->n; i++) {
        const char *name;
        if (list->items[i].type != J_STR) return bad(st, "field \"%s\" must hold strings", key);
        TRY(c_string(&list->items[i], key, &name, st));
        rolecall_permission p;
        API(rolecall_permission_from_name(name, &p));
        *out = rolecall_permission_union(*out, p);
    }
    return 0;
}

/* Resolves a reference: a raw id, a bound handle of kind `k`, or (for roles and groups) a
 * name looked up in the context tenant. */
static int ref(const runner *r, const jval *v, kind k, const ctx *c, uint64_t *out, stop *st) {
    if (v->type == J_NUM) {
        if (!json_as_u64(v, out)) return bad(st, "raw id %s must be a non-negative integer", v->s);
        return 0;
    }
    if (v->type != J_STR) return bad(st, "a %s reference must be a string or an integer", KIND_NAME[k]);
    const binding *b = find_handle(r, v->s);
    if (b && strlen(v->s) == v->len) {
        if (b->k != k) return bad(st, "handle \"%s\" is a %s, not a %s", v->s, KIND_NAME[b->k], KIND_NAME[k]);
        *out = b->id;
        return 0;
    }
    if (!c || (k != K_ROLE && k != K_GROUP)) return bad(st, "unbound %s handle \"%s\"", KIND_NAME[k], v->s);
    if (c->state == 0) return bad(st, "a name needs a tenant context (add \"tenant\")");
    if (c->state == 2) {
        *st = c->err;
        return -1;
    }
    const char *name;
    TRY(c_string(v, KIND_NAME[k], &name, st));
    if (k == K_ROLE) {
        rolecall_role *role = NULL;
        API(rolecall_role_by_name(r->dir, c->tenant, name, &role));
        *out = role->id;
        rolecall_role_free(role);
    } else {
        rolecall_group *group = NULL;
        API(rolecall_group_by_name(r->dir, c->tenant, name, &group));
        *out = group->id;
        rolecall_group_free(group);
    }
    return 0;
}

static int ref_field(const runner *r, const jval *a, const char *key, kind k, const ctx *c,
                     uint64_t *out, stop *st) {
    const jval *v;
    TRY(get(a, key, &v, st));
    return ref(r, v, k, c, out, st);
}

/* The ids of a list of references; `*out` is malloc'ed (free it). */
static int refs(const runner *r, const jval *a, const char *key, kind k, const ctx *c,
                uint64_t **out, size_t *len, stop *st) {
    const jval *list;
    TRY(list_or_empty(a, key, &list, st));
    *out = calloc(list->n ? list->n : 1, sizeof **out);
    *len = list->n;
    for (size_t i = 0; i < list->n; i++) {
        if (ref(r, &list->items[i], k, c, &(*out)[i], st)) {
            free(*out);
            *out = NULL;
            return -1;
        }
    }
    return 0;
}

static void ctx_of_user(const runner *r, uint64_t user, ctx *c) {
    rolecall_user *u = NULL;
    rolecall_status code = rolecall_user_get(r->dir, user, &u);
    if (code == ROLECALL_STATUS_OK) {
        c->state = 1;
        c->tenant = u->tenant;
        rolecall_user_free(u);
    } else {
        c->state = 2;
        api_error(&c->err, code);
    }
}

/* ---------------------------------------------------------------------- mutations */

static bool listed(const char *const *keys, const char *k);

static int new_user_fields(const jval *a, rolecall_new_user *u, stop *st) {
    memset(u, 0, sizeof *u);
    TRY(str(a, "first_name", &u->first_name, st));
    TRY(str(a, "last_name", &u->last_name, st));
    TRY(str(a, "email", &u->email, st));
    TRY(opt_str(a, "phone", &u->phone, st));
    return 0;
}

static void free_new_user(rolecall_new_user *u);

/* A user of `create_user` or of `create_users`' list, with its roles, call groups, groups,
 * teams and per-scope grants (malloc'ed into `u->roles`, `u->scopes`, `u->groups`, `u->teams`
 * and `u->grants`: free them with free_new_user()), active flag and initial password. Absent, `temporary` keeps the API's
 * own default (rule 21: temporary, `permanent_password` left false). */
static int full_new_user(const runner *r, const jval *a, const ctx *c, rolecall_new_user *u, stop *st) {
    TRY(new_user_fields(a, u, st));
    bool active, temporary;
    TRY(bool_or(a, "active", true, &active, st));
    u->inactive = !active;
    TRY(opt_str(a, "password", &u->password, st));
    TRY(bool_or(a, "temporary", true, &temporary, st));
    if (json_get(a, "temporary")) u->permanent_password = !temporary;
    uint64_t *roles;
    size_t n;
    TRY(refs(r, a, "roles", K_ROLE, c, &roles, &n, st));
    u->roles = roles;
    u->roles_len = n;
    uint64_t *groups;
    if (refs(r, a, "groups", K_GROUP, c, &groups, &n, st)) {
        free(roles);
        u->roles = NULL;
        return -1;
    }
    u->groups = groups;
    u->groups_len = n;
    uint64_t *scopes;
    if (refs(r, a, "scopes", K_SCOPE, NULL, &scopes, &n, st)) {
        free(roles);
        free(groups);
        u->roles = u->groups = NULL;
        return -1;
    }
    u->scopes = scopes;
    u->scopes_len = n;
    uint64_t *teams;
    rolecall_scope_grant *grants = NULL;
    const jval *glist;
    int rc = refs(r, a, "teams", K_SCOPE, NULL, &teams, &n, st);
    if (rc == 0) {
        u->teams = teams;
        u->teams_len = n;
        rc = list_or_empty(a, "grants", &glist, st);
    }
    if (rc == 0) {
        grants = calloc(glist->n ? glist->n : 1, sizeof *grants);
        u->grants = grants;
        u->grants_len = glist->n;
        for (size_t i = 0; i < glist->n && rc == 0; i++) {
            const jval *g = &glist->items[i];
            if (g->type != J_OBJ) rc = bad(st, "\"grants\" must hold {\"role\", \"scope\"} objects");
            else if ((rc = ref_field(r, g, "role", K_ROLE, c, &grants[i].role, st)) == 0)
                rc = ref_field(r, g, "scope", K_SCOPE, NULL, &grants[i].scope, st);
        }
    }
    if (rc) {
        free_new_user(u);
        return -1;
    }
    return 0;
}

/* Frees the arrays full_new_user() allocated. */
static void free_new_user(rolecall_new_user *u) {
    free((void *)u->roles);
    free((void *)u->groups);
    free((void *)u->scopes);
    free((void *)u->teams);
    free((void *)u->grants);
    u->roles = u->groups = u->scopes = u->teams = NULL;
    u->grants = NULL;
}

/* `create_users`: the list `times` times over, "{n}" in each email replaced by the copy number. */
static int create_users(runner *r, uint64_t actor, const jval *a, const ctx *c, stop *st) {
    const jval *list;
    size_t times;
    TRY(list_or_empty(a, "users", &list, st));
    TRY(size_or(a, "times", 1, &times, st));
    size_t total = list->n * times, made = 0;
    rolecall_new_user *users = calloc(total ? total : 1, sizeof *users);
    char **emails = calloc(total ? total : 1, sizeof *emails);
    int rc = 0;
    for (size_t copy = 0; copy < times && rc == 0; copy++) {
        for (size_t i = 0; i < list->n && rc == 0; i++) {
            const jval *o = &list->items[i];
            if (o->type != J_OBJ) {
                rc = bad(st, "\"users\" must hold objects");
                break;
            }
            for (size_t k = 0; k < o->n && rc == 0; k++)
                if (!listed(NEW_USER_KEYS, o->keys[k]))
                    rc = bad(st, "unknown field \"%s\" in a user of create_users", o->keys[k]);
            if (rc || (rc = full_new_user(r, o, c, &users[made], st)) != 0) break;
            /* The email with "{n}" replaced by the copy number. */
            const char *e = users[made].email, *at = strstr(e, "{n}");
            char num[32];
            snprintf(num, sizeof num, "%zu", copy);
            size_t len = strlen(e) + (at ? strlen(num) : 0) + 1;
            emails[made] = malloc(len);
            if (at) snprintf(emails[made], len, "%.*s%s%s", (int)(at - e), e, num, at + 3);
            else snprintf(emails[made], len, "%s", e);
            users[made].email = emails[made];
            made++;
        }
    }
    if (rc == 0) {
        rolecall_status code = rolecall_users_create(r->dir, actor, users, made, NULL);
        if (code) rc = api_error(st, code);
    }
    for (size_t i = 0; i < made; i++) {
        free_new_user(&users[i]);
        free(emails[i]);
    }
    free(users);
    free(emails);
    return rc;
}

static int create_tenant(runner *r, const jval *a, stop *st) {
    const jval *sa;
    TRY(get(a, "superadmin", &sa, st));
    if (sa->type != J_OBJ) return bad(st, "\"superadmin\" must be an object");
    const jval *list;
    TRY(list_or_empty(a, "presets", &list, st));
    rolecall_preset presets[16];
    if (list->n > 16) return bad(st, "too many presets");
    for (size_t i = 0; i < list->n; i++) {
        const char *name;
        if (list->items[i].type != J_STR) return bad(st, "presets must be strings");
        TRY(c_string(&list->items[i], "presets", &name, st));
        API(rolecall_preset_from_name(name, &presets[i]));
    }
    rolecall_new_user u;
    TRY(new_user_fields(sa, &u, st));
    const char *name;
    TRY(str(a, "name", &name, st));
    rolecall_tenant_created *t = NULL;
    API(rolecall_tenant_create(r->dir, name, &u, presets, list->n, &t));
    uint64_t tenant = t->tenant, superadmin = t->superadmin;
    rolecall_tenant_created_free(t);
    TRY(bind(r, json_get(a, "bind"), K_TENANT, tenant, st));
    return bind(r, json_get(a, "bind_superadmin"), K_USER, superadmin, st);
}

/* An optional scope reference: absent or null leaves `*out` at 0 (a root). The C ABI reads a
 * parent 0 as "a root", so a raw id 0 (which names no scope, and which the Rust API refuses
 * as unknown) cannot be carried: reported apart, as a string holding U+0000 is. */
static int opt_scope(const runner *r, const jval *a, const char *key, uint64_t *out, stop *st) {
    const jval *v = json_get(a, key);
    *out = 0;
    if (!v || v->type == J_NULL) return 0;
    TRY(ref(r, v, K_SCOPE, NULL, out, st));
    if (*out == 0) {
        st->k = S_NUL;
        snprintf(st->msg, sizeof st->msg,
                 "field \"%s\" is the raw id 0, which the C ABI reads as \"a root\"", key);
        return -1;
    }
    return 0;
}

/* An optional instant (`from`, `until` of `grant_for`): absent or null leaves that side open. */
static int opt_time(const jval *a, const char *key, int64_t *out, bool *has, stop *st) {
    const jval *v = json_get(a, key);
    *out = 0;
    *has = false;
    if (!v || v->type == J_NULL) return 0;
    if (!as_i64(v, out)) return bad(st, "\"%s\" must be an integer or null", key);
    *has = true;
    return 0;
}

/* The `grant` of `grant_for`: an object with one key naming the kind (README: `{"role": role}`,
 * `{"scope_role": {"role", "scope"}}`, `{"group": group}`, `{"scope": scope}`,
 * `{"level": {"agreement", "product", "level"}}`, `{"pbx": {"agreement", "subscriber"}}`). The
 * subscriber points into the step. */
static int timed_grant(const runner *r, const jval *a, const ctx *c, rolecall_timed_grant *g,
                       stop *st) {
    const jval *v;
    memset(g, 0, sizeof *g);
    TRY(get(a, "grant", &v, st));
    if (v->type != J_OBJ || v->n != 1) return bad(st, "\"grant\" must be an object with one key");
    const char *k = v->keys[0];
    const jval *x = &v->items[0];
    if (strcmp(k, "role") == 0) {
        g->kind = ROLECALL_ASSIGNMENT_ROLE;
        return ref(r, x, K_ROLE, c, &g->role, st);
    }
    if (strcmp(k, "group") == 0) {
        g->kind = ROLECALL_ASSIGNMENT_GROUP;
        return ref(r, x, K_GROUP, c, &g->group, st);
    }
    if (strcmp(k, "scope") == 0) {
        g->kind = ROLECALL_ASSIGNMENT_SCOPE;
        return ref(r, x, K_SCOPE, NULL, &g->scope, st);
    }
    if (strcmp(k, "scope_role") != 0 && strcmp(k, "level") != 0 && strcmp(k, "pbx") != 0)
        return bad(st, "unknown grant kind \"%s\"", k);
    if (x->type != J_OBJ) return bad(st, "\"%s\" must be an object", k);
    static const char *const SCOPE_ROLE_KEYS[] = {"role", "scope", NULL};
    static const char *const LEVEL_KEYS[] = {"agreement", "product", "level", NULL};
    static const char *const PBX_KEYS[] = {"agreement", "subscriber", NULL};
    const char *const *keys = k[0] == 's' ? SCOPE_ROLE_KEYS : k[0] == 'l' ? LEVEL_KEYS : PBX_KEYS;
    for (size_t i = 0; i < x->n; i++)
        if (!listed(keys, x->keys[i])) return bad(st, "unknown field \"%s\" in \"%s\"", x->keys[i], k);
    if (k[0] == 's') {
        g->kind = ROLECALL_ASSIGNMENT_SCOPE_ROLE;
        TRY(ref_field(r, x, "role", K_ROLE, c, &g->role, st));
        return ref_field(r, x, "scope", K_SCOPE, NULL, &g->scope, st);
    }
    TRY(ref_field(r, x, "agreement", K_AGREEMENT, NULL, &g->agreement, st));
    if (k[0] == 'l') {
        const char *pname, *lname;
        g->kind = ROLECALL_ASSIGNMENT_LEVEL;
        TRY(str(x, "product", &pname, st));
        API(rolecall_product_from_name(pname, &g->product));
        TRY(str(x, "level", &lname, st));
        API(rolecall_access_level_from_name(lname, &g->level));
        return 0;
    }
    g->kind = ROLECALL_ASSIGNMENT_PBX;
    return str(x, "subscriber", &g->subscriber, st);
}

static int mutate(runner *r, const char *op, const jval *a, stop *st) {
    rolecall_directory *d = r->dir;
    if (strcmp(op, "create_tenant") == 0) return create_tenant(r, a, st);
    if (strcmp(op, "security_stamp") == 0) {
        uint64_t who, stamp;
        const jval *h;
        TRY(ref_field(r, a, "user", K_USER, NULL, &who, st));
        TRY(get(a, "bind", &h, st));
        API(rolecall_security_stamp(d, who, &stamp));
        return bind(r, h, K_STAMP, stamp, st);
    }
    if (strcmp(op, "change_password") == 0) {
        const char *current, *new_password;
        uint64_t who;
        TRY(ref_field(r, a, "user", K_USER, NULL, &who, st));
        TRY(str(a, "current", &current, st));
        TRY(str(a, "new", &new_password, st));
        API(rolecall_password_change(d, who, current, new_password));
        return 0;
    }
    if (strcmp(op, "request_password_reset") == 0) {
        const char *email;
        uint64_t tenant;
        TRY(ref_field(r, a, "tenant", K_TENANT, NULL, &tenant, st));
        TRY(str(a, "email", &email, st));
        rolecall_reset_issued *issued = NULL;
        API(rolecall_password_reset_request(d, tenant, email, &issued));
        if (!issued) return 0;
        r->tokens = realloc(r->tokens, (r->ntokens + 1) * sizeof *r->tokens);
        if (!r->tokens) abort();
        r->tokens[r->ntokens++] = strdup(issued->token);
        rolecall_reset_issued_free(issued);
        return bind(r, json_get(a, "bind"), K_TOKEN, r->ntokens - 1, st);
    }
    if (strcmp(op, "reset_password_with_token") == 0) {
        const char *password;
        uint64_t tenant, index;
        TRY(ref_field(r, a, "tenant", K_TENANT, NULL, &tenant, st));
        TRY(ref_field(r, a, "token", K_TOKEN, NULL, &index, st));
        if (index >= r->ntokens) return bad(st, "\"token\" must be a token handle");
        TRY(str(a, "password", &password, st));
        API(rolecall_password_reset_with_token(d, tenant, r->tokens[index], password, NULL));
        return 0;
    }
    if (strcmp(op, "advance_clock") == 0) {
        const jval *v;
        int64_t ms;
        TRY(get(a, "ms", &v, st));
        if (!as_i64(v, &ms) || ms < 0) return bad(st, "\"ms\" must be a non-negative integer");
        API(rolecall_manual_clock_advance(r->clock, ms));
        return 0;
    }
    if (strcmp(op, "activate") == 0) {
        uint64_t who, role, scope;
        int64_t duration;
        const jval *v;
        const char *why;
        TRY(ref_field(r, a, "user", K_USER, NULL, &who, st));
        ctx uc = {0, 0, {0, "", ""}};
        ctx_of_user(r, who, &uc);
        TRY(ref_field(r, a, "role", K_ROLE, &uc, &role, st));
        TRY(opt_scope(r, a, "scope", &scope, st));
        TRY(get(a, "duration_ms", &v, st));
        if (!as_i64(v, &duration)) return bad(st, "\"duration_ms\" must be an integer");
        TRY(str(a, "justification", &why, st));
        API(rolecall_activate(d, who, role, scope, duration, why, NULL));
        return 0;
    }
    uint64_t actor;
    TRY(ref_field(r, a, "as", K_USER, NULL, &actor, st));
    ctx c = {0, 0, {0, "", ""}};
    ctx_of_user(r, actor, &c);
    const jval *bind_to = json_get(a, "bind");
    uint64_t user, role, group, scope, agreement, id;

    if (strcmp(op, "install_preset") == 0) {
        const char *name;
        rolecall_preset p;
        TRY(str(a, "preset", &name, st));
        API(rolecall_preset_from_name(name, &p));
        API(rolecall_preset_install(d, actor, p, NULL));
    } else if (strcmp(op, "create_user") == 0) {
        rolecall_new_user u;
        TRY(full_new_user(r, a, &c, &u, st));
        rolecall_status code = rolecall_user_create(d, actor, &u, &id);
        free_new_user(&u);
        if (code) return api_error(st, code);
        TRY(bind(r, bind_to, K_USER, id, st));
    } else if (strcmp(op, "create_users") == 0) {
        TRY(create_users(r, actor, a, &c, st));
    } else if (strcmp(op, "update_user") == 0) {
        rolecall_user_patch p = {0};
        TRY(opt_str(a, "first_name", &p.first_name, st));
        TRY(opt_str(a, "last_name", &p.last_name, st));
        TRY(opt_str(a, "email", &p.email, st));
        const jval *phone = json_get(a, "phone");
        if (phone && phone->type == J_NULL) p.remove_phone = true;
        else if (phone && phone->type == J_STR) TRY(c_string(phone, "phone", &p.phone, st));
        else if (phone) return bad(st, "\"phone\" must be a string or null");
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        API(rolecall_user_update(d, actor, user, &p));
    } else if (strcmp(op, "set_active") == 0) {
        const jval *v;
        TRY(get(a, "active", &v, st));
        if (v->type != J_BOOL) return bad(st, "\"active\" must be a boolean");
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        API(rolecall_user_set_active(d, actor, user, v->b));
    } else if (strcmp(op, "delete_user") == 0) {
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        API(rolecall_user_delete(d, actor, user));
    } else if (strcmp(op, "assign_role") == 0 || strcmp(op, "revoke_role") == 0) {
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        TRY(ref_field(r, a, "role", K_ROLE, &c, &role, st));
        if (op[0] == 'a') API(rolecall_user_assign_role(d, actor, user, role));
        else API(rolecall_user_revoke_role(d, actor, user, role));
    } else if (strcmp(op, "set_user_roles") == 0) {
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        uint64_t *roles;
        size_t n;
        TRY(refs(r, a, "roles", K_ROLE, &c, &roles, &n, st));
        rolecall_status code = rolecall_user_set_roles(d, actor, user, roles, n);
        free(roles);
        if (code) return api_error(st, code);
    } else if (strcmp(op, "create_role") == 0) {
        rolecall_new_role nr = {0};
        TRY(str(a, "name", &nr.name, st));
        TRY(permissions(a, "permissions", &nr.permissions, st));
        TRY(permissions(a, "denied", &nr.denied, st));
        TRY(bool_or(a, "scoped", false, &nr.scoped, st));
        TRY(bool_or(a, "admin_tier", false, &nr.admin_tier, st));
        TRY(opt_str(a, "description", &nr.description, st));
        API(rolecall_role_create(d, actor, &nr, &id));
        TRY(bind(r, bind_to, K_ROLE, id, st));
    } else if (strcmp(op, "update_role") == 0) {
        TRY(ref_field(r, a, "role", K_ROLE, &c, &role, st));
        rolecall_role_patch p = {0};
        TRY(opt_str(a, "name", &p.name, st));
        TRY(opt_str(a, "description", &p.description, st));
        if (json_get(a, "permissions")) {
            p.set_permissions = true;
            TRY(permissions(a, "permissions", &p.permissions, st));
        }
        if (json_get(a, "denied")) {
            p.set_denied = true;
            TRY(permissions(a, "denied", &p.denied, st));
        }
        API(rolecall_role_update(d, actor, role, &p));
    } else if (strcmp(op, "delete_role") == 0) {
        TRY(ref_field(r, a, "role", K_ROLE, &c, &role, st));
        API(rolecall_role_delete(d, actor, role));
    } else if (strcmp(op, "create_group") == 0) {
        uint64_t *roles;
        size_t n;
        TRY(refs(r, a, "roles", K_ROLE, &c, &roles, &n, st));
        const char *name;
        if (str(a, "name", &name, st)) {
            free(roles);
            return -1;
        }
        rolecall_status code = rolecall_group_create(d, actor, name, roles, n, &id);
        free(roles);
        if (code) return api_error(st, code);
        TRY(bind(r, bind_to, K_GROUP, id, st));
    } else if (strcmp(op, "rename_group") == 0) {
        const char *name;
        TRY(ref_field(r, a, "group", K_GROUP, &c, &group, st));
        TRY(str(a, "name", &name, st));
        API(rolecall_group_rename(d, actor, group, name));
    } else if (strcmp(op, "add_group_role") == 0 || strcmp(op, "remove_group_role") == 0) {
        TRY(ref_field(r, a, "group", K_GROUP, &c, &group, st));
        TRY(ref_field(r, a, "role", K_ROLE, &c, &role, st));
        if (op[0] == 'a') API(rolecall_group_add_role(d, actor, group, role));
        else API(rolecall_group_remove_role(d, actor, group, role));
    } else if (strcmp(op, "add_member") == 0 || strcmp(op, "remove_member") == 0) {
        TRY(ref_field(r, a, "group", K_GROUP, &c, &group, st));
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        if (op[0] == 'a') API(rolecall_group_add_member(d, actor, group, user));
        else API(rolecall_group_remove_member(d, actor, group, user));
    } else if (strcmp(op, "add_members") == 0) {
        TRY(ref_field(r, a, "group", K_GROUP, &c, &group, st));
        uint64_t *users;
        size_t n;
        TRY(refs(r, a, "users", K_USER, NULL, &users, &n, st));
        rolecall_status code = rolecall_group_add_members(d, actor, group, users, n);
        free(users);
        if (code) return api_error(st, code);
    } else if (strcmp(op, "delete_group") == 0) {
        TRY(ref_field(r, a, "group", K_GROUP, &c, &group, st));
        API(rolecall_group_delete(d, actor, group));
    } else if (strcmp(op, "create_scope") == 0) {
        /* Any kind name (built-in or custom) through rolecall_scope_create_of_kind(); a
         * built-in kind without a parent through rolecall_scope_create() as before. */
        const char *kind_name, *name;
        rolecall_scope_kind k;
        uint64_t parent = 0;
        TRY(str(a, "kind", &kind_name, st));
        API(rolecall_scope_kind_from_name(kind_name, &k));
        TRY(str(a, "name", &name, st));
        TRY(opt_scope(r, a, "parent", &parent, st));
        if (k != ROLECALL_SCOPE_KIND_CUSTOM && !json_get(a, "parent"))
            API(rolecall_scope_create(d, actor, k, name, &id));
        else if (k != ROLECALL_SCOPE_KIND_CUSTOM)
            API(rolecall_scope_create_under(d, actor, parent, k, name, &id));
        else
            API(rolecall_scope_create_of_kind(d, actor, parent, kind_name, name, &id));
        TRY(bind(r, bind_to, K_SCOPE, id, st));
    } else if (strcmp(op, "move_scope") == 0) {
        uint64_t parent = 0;
        TRY(opt_scope(r, a, "parent", &parent, st));
        TRY(ref_field(r, a, "scope", K_SCOPE, NULL, &scope, st));
        API(rolecall_scope_move(d, actor, scope, parent));
    } else if (strcmp(op, "delete_scope") == 0) {
        TRY(ref_field(r, a, "scope", K_SCOPE, NULL, &scope, st));
        API(rolecall_scope_delete(d, actor, scope));
    } else if (strcmp(op, "delete_scope_moving") == 0) {
        TRY(ref_field(r, a, "scope", K_SCOPE, NULL, &scope, st));
        API(rolecall_scope_delete_moving(d, actor, scope));
    } else if (strcmp(op, "grant_role_in_scope") == 0 || strcmp(op, "revoke_role_in_scope") == 0) {
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        TRY(ref_field(r, a, "role", K_ROLE, &c, &role, st));
        TRY(ref_field(r, a, "scope", K_SCOPE, NULL, &scope, st));
        if (op[0] == 'g') API(rolecall_user_grant_role_in_scope(d, actor, user, role, scope));
        else API(rolecall_user_revoke_role_in_scope(d, actor, user, role, scope));
    } else if (strcmp(op, "set_user_teams") == 0) {
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        uint64_t *teams;
        size_t n;
        TRY(refs(r, a, "teams", K_SCOPE, NULL, &teams, &n, st));
        rolecall_status code = rolecall_user_set_teams(d, actor, user, teams, n);
        free(teams);
        if (code) return api_error(st, code);
    } else if (strcmp(op, "assign_scope") == 0 || strcmp(op, "unassign_scope") == 0) {
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        TRY(ref_field(r, a, "scope", K_SCOPE, NULL, &scope, st));
        if (op[0] == 'a') API(rolecall_scope_assign(d, actor, user, scope));
        else API(rolecall_scope_unassign(d, actor, user, scope));
    } else if (strcmp(op, "set_user_scopes") == 0) {
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        uint64_t *scopes;
        size_t n;
        TRY(refs(r, a, "scopes", K_SCOPE, NULL, &scopes, &n, st));
        rolecall_status code = rolecall_user_set_scopes(d, actor, user, scopes, n);
        free(scopes);
        if (code) return api_error(st, code);
    } else if (strcmp(op, "create_agreement") == 0) {
        const char *name;
        TRY(ref_field(r, a, "owner", K_USER, NULL, &user, st));
        TRY(str(a, "name", &name, st));
        API(rolecall_agreement_create(d, actor, name, user, &id));
        TRY(bind(r, bind_to, K_AGREEMENT, id, st));
    } else if (strcmp(op, "set_access_level") == 0) {
        const char *pname, *lname;
        rolecall_product product;
        rolecall_access_level level;
        TRY(ref_field(r, a, "agreement", K_AGREEMENT, NULL, &agreement, st));
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        TRY(str(a, "product", &pname, st));
        API(rolecall_product_from_name(pname, &product));
        TRY(str(a, "level", &lname, st));
        API(rolecall_access_level_from_name(lname, &level));
        API(rolecall_agreement_set_access_level(d, actor, agreement, user, product, level));
    } else if (strcmp(op, "transfer_ownership") == 0) {
        TRY(ref_field(r, a, "agreement", K_AGREEMENT, NULL, &agreement, st));
        TRY(ref_field(r, a, "new_owner", K_USER, NULL, &user, st));
        API(rolecall_agreement_transfer_ownership(d, actor, agreement, user));
    } else if (strcmp(op, "link_pbx_subscriber") == 0) {
        TRY(ref_field(r, a, "agreement", K_AGREEMENT, NULL, &agreement, st));
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        const jval *v;
        const char *sub = NULL;
        TRY(get(a, "subscriber", &v, st));
        if (v->type == J_STR) TRY(c_string(v, "subscriber", &sub, st));
        else if (v->type != J_NULL) return bad(st, "\"subscriber\" must be a string or null");
        API(rolecall_agreement_link_pbx_subscriber(d, actor, agreement, user, sub));
    } else if (strcmp(op, "set_tenant_settings") == 0) {
        rolecall_tenant_settings s;
        API(rolecall_tenant_settings_default(&s));
        TRY(bool_or(a, "strict_agreement_levels", false, &s.strict_agreement_levels, st));
        const jval *v = json_get(a, "phone_region");
        if (v && v->type != J_NULL) {
            const char *region;
            TRY(c_string(v, "phone_region", &region, st));
            /* The struct holds at most 2 characters and a NUL; a longer value is passed
             * unterminated, which the library refuses as an invalid argument. */
            memset(s.phone_region, 0, sizeof s.phone_region);
            memcpy(s.phone_region, region,
                   strlen(region) < sizeof s.phone_region ? strlen(region) : sizeof s.phone_region);
        }
        API(rolecall_tenant_settings_set(d, actor, &s));
    } else if (strcmp(op, "add_sod_rule") == 0) {
        rolecall_sod_rule rule = {0};
        TRY(str(a, "name", &rule.name, st));
        TRY(permissions(a, "first", &rule.first, st));
        TRY(permissions(a, "second", &rule.second, st));
        rolecall_id_list *violators = NULL;
        API(rolecall_sod_rule_add(d, actor, &rule, &violators));
        rolecall_id_list_free(violators);
    } else if (strcmp(op, "remove_sod_rule") == 0) {
        const char *name;
        TRY(str(a, "name", &name, st));
        API(rolecall_sod_rule_remove(d, actor, name));
    } else if (strcmp(op, "set_password") == 0) {
        const char *password;
        bool temporary;
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        TRY(str(a, "password", &password, st));
        TRY(bool_or(a, "temporary", true, &temporary, st));
        API(rolecall_password_set(d, actor, user, password, temporary));
    } else if (strcmp(op, "set_password_policy") == 0) {
        rolecall_password_policy p;
        API(rolecall_password_policy_default(&p));
        size_t max_failed;
        TRY(size_or(a, "min_length", p.min_length, &p.min_length, st));
        TRY(size_or(a, "max_length", p.max_length, &p.max_length, st));
        TRY(bool_or(a, "reject_common", p.reject_common, &p.reject_common, st));
        TRY(bool_or(a, "reject_personal", p.reject_personal, &p.reject_personal, st));
        TRY(size_or(a, "max_failed_logins", p.max_failed_logins, &max_failed, st));
        if (max_failed > UINT32_MAX) return bad(st, "\"max_failed_logins\" must fit 32 bits");
        p.max_failed_logins = (uint32_t)max_failed;
        const jval *v = json_get(a, "lockout_ms");
        if (v && v->type == J_STR && strcmp(v->s, "until_unlocked") == 0) p.lockout_ms = ROLECALL_LOCKOUT_UNTIL_UNLOCKED;
        else if (v && !as_i64(v, &p.lockout_ms)) return bad(st, "\"lockout_ms\" must be an integer or \"until_unlocked\"");
        v = json_get(a, "reset_token_ttl_ms");
        if (v && !as_i64(v, &p.reset_token_ttl_ms)) return bad(st, "\"reset_token_ttl_ms\" must be an integer");
        API(rolecall_password_policy_set(d, actor, &p));
    } else if (strcmp(op, "unlock") == 0) {
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        API(rolecall_user_unlock(d, actor, user));
    } else if (strcmp(op, "grant_for") == 0) {
        rolecall_timed_grant g;
        rolecall_window w;
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        TRY(timed_grant(r, a, &c, &g, st));
        TRY(opt_time(a, "from", &w.from_ms, &w.has_from, st));
        TRY(opt_time(a, "until", &w.until_ms, &w.has_until, st));
        API(rolecall_grant_for(d, actor, user, &g, w));
    } else if (strcmp(op, "make_eligible") == 0) {
        const jval *v;
        int64_t max_ms;
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        TRY(ref_field(r, a, "role", K_ROLE, &c, &role, st));
        TRY(opt_scope(r, a, "scope", &scope, st));
        TRY(get(a, "max_ms", &v, st));
        if (!as_i64(v, &max_ms)) return bad(st, "\"max_ms\" must be an integer");
        API(rolecall_make_eligible(d, actor, user, role, scope, max_ms));
    } else if (strcmp(op, "revoke_eligibility") == 0 || strcmp(op, "end_activation") == 0) {
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        TRY(ref_field(r, a, "role", K_ROLE, &c, &role, st));
        TRY(opt_scope(r, a, "scope", &scope, st));
        if (op[0] == 'r') API(rolecall_revoke_eligibility(d, actor, user, role, scope));
        else API(rolecall_end_activation(d, actor, user, role, scope));
    } else if (strcmp(op, "set_break_glass") == 0) {
        const jval *v;
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        TRY(get(a, "break_glass", &v, st));
        if (v->type != J_BOOL) return bad(st, "\"break_glass\" must be a boolean");
        API(rolecall_set_break_glass(d, actor, user, v->b));
    } else {
        return bad(st, "unknown mutation \"%s\"", op);
    }
    return 0;
}

/* ---------------------------------------------------------------------- queries */

/* Permission names in catalogue order. */
static jval permission_names(rolecall_permission set) {
    jval out = json_arr();
    for (size_t i = 0; i < rolecall_catalogue_len(); i++) {
        rolecall_permission p;
        const char *name;
        if (rolecall_catalogue_get(i, &p, &name) == ROLECALL_STATUS_OK &&
            rolecall_permission_contains(set, p))
            json_push(&out, json_str(name));
    }
    return out;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted (by code point), deduplicated strings as a JSON array; frees nothing. */
static jval sorted_names(const char **names, size_t n) {
    qsort(names, n, sizeof *names, cmp_str);
    jval out = json_arr();
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(names[i], names[i - 1]) != 0) json_push(&out, json_str(names[i]));
    return out;
}

/* The sorted, deduplicated names of roles. */
static int role_names(const runner *r, const uint64_t *ids, size_t n, jval *out, stop *st) {
    rolecall_role **roles = calloc(n ? n : 1, sizeof *roles);
    const char **names = calloc(n ? n : 1, sizeof *names);
    rolecall_status code = ROLECALL_STATUS_OK;
    size_t got = 0;
    for (; got < n; got++) {
        code = rolecall_role_get(r->dir, ids[got], &roles[got]);
        if (code) break;
        names[got] = roles[got]->name;
    }
    if (code == ROLECALL_STATUS_OK) *out = sorted_names(names, n);
    for (size_t i = 0; i < got; i++) rolecall_role_free(roles[i]);
    free(roles);
    free(names);
    return code ? api_error(st, code) : 0;
}

static jval id_refs(const runner *r, kind k, const uint64_t *ids, size_t n) {
    jval out = json_arr();
    for (size_t i = 0; i < n; i++) json_push(&out, ref_value(r, k, ids[i]));
    return out;
}

/* Whether `text` (may be NULL: no) contains `needle` (NULL: the empty text), ASCII letters
 * compared case-insensitively. */
static bool ascii_ci_contains(const char *text, const char *needle) {
    if (!text) return false;
    if (!needle) needle = "";
    size_t n = strlen(needle);
    for (const char *p = text;; p++) {
        size_t i = 0;
        while (i < n && p[i]) {
            char x = p[i], y = needle[i];
            if (x >= 'A' && x <= 'Z') x = (char)(x + 32);
            if (y >= 'A' && y <= 'Z') y = (char)(y + 32);
            if (x != y) break;
            i++;
        }
        if (i == n) return true;
        if (!*p) return false;
    }
}

/* The name of a role, as answers show it. */
static int role_name(const runner *r, uint64_t id, jval *out, stop *st) {
    rolecall_role *ro = NULL;
    API(rolecall_role_get(r->dir, id, &ro));
    *out = json_str(ro->name);
    rolecall_role_free(ro);
    return 0;
}

/* An assignment as `get_user` shows it in `windows` (role names, handles). */
static int assignment_json(const runner *r, const rolecall_assignment *a, jval *out, stop *st) {
    jval v = json_null(), inner;
    *out = json_obj();
    switch (a->kind) {
    case ROLECALL_ASSIGNMENT_ROLE:
        TRY(role_name(r, a->role, &v, st));
        json_set(out, "role", v);
        return 0;
    case ROLECALL_ASSIGNMENT_SCOPE_ROLE:
        TRY(role_name(r, a->role, &v, st));
        inner = json_obj();
        json_set(&inner, "role", v);
        json_set(&inner, "scope", ref_value(r, K_SCOPE, a->scope));
        json_set(out, "scope_role", inner);
        return 0;
    case ROLECALL_ASSIGNMENT_GROUP: json_set(out, "group", ref_value(r, K_GROUP, a->group)); return 0;
    case ROLECALL_ASSIGNMENT_SCOPE: json_set(out, "scope", ref_value(r, K_SCOPE, a->scope)); return 0;
    case ROLECALL_ASSIGNMENT_LEVEL:
        inner = json_obj();
        json_set(&inner, "agreement", ref_value(r, K_AGREEMENT, a->agreement));
        json_set(&inner, "product", json_str(rolecall_product_name(a->product)));
        json_set(out, "level", inner);
        return 0;
    case ROLECALL_ASSIGNMENT_PBX: json_set(out, "pbx", ref_value(r, K_AGREEMENT, a->agreement)); return 0;
    default: return bad(st, "unknown assignment kind %u", a->kind);
    }
}

/* The windows and eligibilities of a user, as `get_user` answers them (the record's order). */
static int timed_json(const runner *r, const rolecall_user *u, jval *windows, jval *eligible, stop *st) {
    *windows = json_arr();
    *eligible = json_arr();
    for (size_t i = 0; i < u->windows_len; i++) {
        const rolecall_user_window *w = &u->windows[i];
        jval e = json_obj(), a;
        if (assignment_json(r, &w->assignment, &a, st)) {
            json_free(&a);
            json_free(&e);
            return -1;
        }
        json_set(&e, "assignment", a);
        json_set(&e, "from", w->window.has_from ? json_i64(w->window.from_ms) : json_null());
        json_set(&e, "until", w->window.has_until ? json_i64(w->window.until_ms) : json_null());
        json_push(windows, e);
    }
    for (size_t i = 0; i < u->eligible_len; i++) {
        const rolecall_eligibility *el = &u->eligible[i];
        jval e = json_obj(), name;
        if (role_name(r, el->role, &name, st)) {
            json_free(&e);
            return -1;
        }
        json_set(&e, "role", name);
        json_set(&e, "scope", el->scope ? ref_value(r, K_SCOPE, el->scope) : json_null());
        json_set(&e, "max_ms", json_i64(el->max_ms));
        json_push(eligible, e);
    }
    return 0;
}

/* A user as `get_user` answers: names, contact, status, roles (names, sorted), groups,
 * scopes, teams (id order), per-scope grants ({role name, scope}, in the record's order:
 * role id, then scope id), windows, eligibilities and the break-glass flag. */
static int user_json(const runner *r, const rolecall_user *u, jval *ans, stop *st) {
    rolecall_id_list *groups = NULL;
    rolecall_status code = rolecall_user_groups(r->dir, u->id, &groups);
    jval roles = json_null();
    int rc = code ? api_error(st, code) : role_names(r, u->roles, u->roles_len, &roles, st);
    jval grants = json_arr(), windows = json_arr(), eligible = json_arr();
    if (rc == 0) {
        json_free(&windows);
        json_free(&eligible);
        rc = timed_json(r, u, &windows, &eligible, st);
    }
    for (size_t i = 0; rc == 0 && i < u->grants_len; i++) {
        rolecall_role *ro = NULL;
        code = rolecall_role_get(r->dir, u->grants[i].role, &ro);
        if (code) {
            rc = api_error(st, code);
            break;
        }
        jval g = json_obj();
        json_set(&g, "role", json_str(ro->name));
        json_set(&g, "scope", ref_value(r, K_SCOPE, u->grants[i].scope));
        json_push(&grants, g);
        rolecall_role_free(ro);
    }
    if (rc == 0) {
        *ans = json_obj();
        json_set(ans, "first_name", json_str(u->first_name));
        json_set(ans, "last_name", json_str(u->last_name));
        json_set(ans, "email", json_str(u->email));
        json_set(ans, "phone", u->phone ? json_str(u->phone) : json_null());
        json_set(ans, "active", json_bool(u->active));
        json_set(ans, "roles", roles);
        json_set(ans, "groups", id_refs(r, K_GROUP, groups->ids, groups->len));
        json_set(ans, "scopes", id_refs(r, K_SCOPE, u->scopes, u->scopes_len));
        json_set(ans, "teams", id_refs(r, K_SCOPE, u->teams, u->teams_len));
        json_set(ans, "grants", grants);
        json_set(ans, "windows", windows);
        json_set(ans, "eligible", eligible);
        json_set(ans, "break_glass", json_bool(u->break_glass));
    } else {
        json_free(&roles);
        json_free(&grants);
        json_free(&windows);
        json_free(&eligible);
    }
    rolecall_id_list_free(groups);
    return rc;
}

/* One per-scope grant of an explanation, with the sort key of the Rust runner: the role name,
 * then the scope's JSON text (a handle "\"name\"", or a raw id's digits). */
typedef struct {
    const char *role;
    char key[160];
    uint64_t scope;
} scope_grant_row;

static int cmp_scope_grant(const void *a, const void *b) {
    const scope_grant_row *x = a, *y = b;
    int c = strcmp(x->role, y->role);
    return c ? c : strcmp(x->key, y->key);
}

static jval scope_grants(const runner *r, const rolecall_explanation *e) {
    scope_grant_row *rows = calloc(e->grants_len ? e->grants_len : 1, sizeof *rows);
    size_t n = 0;
    for (size_t i = 0; i < e->grants_len; i++) {
        if (!e->grants[i].has_scope) continue;
        scope_grant_row *row = &rows[n++];
        row->role = e->grants[i].role_name;
        row->scope = e->grants[i].scope;
        const char *h = handle_of(r, K_SCOPE, row->scope);
        if (h) snprintf(row->key, sizeof row->key, "\"%s\"", h);
        else snprintf(row->key, sizeof row->key, "%llu", (unsigned long long)row->scope);
    }
    qsort(rows, n, sizeof *rows, cmp_scope_grant);
    jval out = json_arr();
    for (size_t i = 0; i < n; i++) {
        jval g = json_obj();
        json_set(&g, "role", json_str(rows[i].role));
        json_set(&g, "scope", ref_value(r, K_SCOPE, rows[i].scope));
        json_push(&out, g);
    }
    free(rows);
    return out;
}

static int query(runner *r, const char *op, const jval *a, jval *ans, stop *st) {
    rolecall_directory *d = r->dir;
    ctx c = {0, 0, {0, "", ""}};
    const jval *tv = json_get(a, "tenant"), *uv = json_get(a, "user");
    if (tv) {
        TRY(ref(r, tv, K_TENANT, NULL, &c.tenant, st));
        c.state = 1;
    } else if (uv) {
        uint64_t u;
        TRY(ref(r, uv, K_USER, NULL, &u, st));
        ctx_of_user(r, u, &c);
    }
    uint64_t user, tenant, scope, group, role, agreement;
    rolecall_permission p;

    if (strcmp(op, "check") == 0) {
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        TRY(permission(a, "permission", &p, st));
        *ans = json_bool(rolecall_check(d, user, p));
    } else if (strcmp(op, "check_scoped") == 0) {
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        TRY(permission(a, "permission", &p, st));
        TRY(ref_field(r, a, "scope", K_SCOPE, NULL, &scope, st));
        *ans = json_bool(rolecall_check_scoped(d, user, p, scope));
    } else if (strcmp(op, "effective_permissions") == 0) {
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        API(rolecall_effective_permissions(d, user, &p));
        *ans = permission_names(p);
    } else if (strcmp(op, "allowed_scopes") == 0) {
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        TRY(permission(a, "permission", &p, st));
        rolecall_scope_access *acc = NULL;
        const char *kind_name = NULL;
        TRY(opt_str(a, "kind", &kind_name, st));
        if (kind_name) API(rolecall_allowed_scopes_of_kind(d, user, p, kind_name, &acc));
        else API(rolecall_allowed_scopes(d, user, p, &acc));
        *ans = acc->all ? json_str("all") : id_refs(r, K_SCOPE, acc->scopes, acc->scopes_len);
        rolecall_scope_access_free(acc);
    } else if (strcmp(op, "explain") == 0) {
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        TRY(permission(a, "permission", &p, st));
        rolecall_explanation *e = NULL;
        API(rolecall_explain(d, user, p, &e));
        const char **names = calloc(e->grants_len ? e->grants_len : 1, sizeof *names);
        for (size_t i = 0; i < e->grants_len; i++) names[i] = e->grants[i].role_name;
        *ans = json_obj();
        json_set(ans, "allowed", json_bool(e->allowed));
        json_set(ans, "roles", sorted_names(names, e->grants_len));
        json_set(ans, "scope_grants", scope_grants(r, e));
        json_set(ans, "superadmin", json_bool(e->superadmin));
        json_set(ans, "inactive", json_bool(e->inactive));
        free(names);
        const char **deniers = calloc(e->denied_by_len ? e->denied_by_len : 1, sizeof *deniers);
        for (size_t i = 0; i < e->denied_by_len; i++) deniers[i] = e->denied_by[i].role_name;
        json_set(ans, "denied_by", sorted_names(deniers, e->denied_by_len));
        free(deniers);
        rolecall_explanation_free(e);
    } else if (strcmp(op, "users_with_permission") == 0) {
        TRY(ref_field(r, a, "tenant", K_TENANT, NULL, &tenant, st));
        TRY(permission(a, "permission", &p, st));
        const jval *sv = json_get(a, "scope");
        if (sv) TRY(ref(r, sv, K_SCOPE, NULL, &scope, st));
        rolecall_id_list *ids = NULL;
        API(rolecall_users_with_permission(d, tenant, p, sv ? &scope : NULL, &ids));
        *ans = id_refs(r, K_USER, ids->ids, ids->len);
        rolecall_id_list_free(ids);
    } else if (strcmp(op, "access_level") == 0) {
        const char *pname;
        rolecall_product product;
        rolecall_access_level level;
        TRY(ref_field(r, a, "agreement", K_AGREEMENT, NULL, &agreement, st));
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        TRY(str(a, "product", &pname, st));
        API(rolecall_product_from_name(pname, &product));
        API(rolecall_agreement_access_level(d, agreement, user, product, &level));
        *ans = json_str(rolecall_access_level_name(level));
    } else if (strcmp(op, "may_listen_recordings") == 0 || strcmp(op, "may_click_to_call") == 0) {
        const char *sub;
        bool may;
        TRY(ref_field(r, a, "agreement", K_AGREEMENT, NULL, &agreement, st));
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        TRY(str(a, "subscriber", &sub, st));
        if (op[4] == 'l') API(rolecall_may_listen_recordings(d, agreement, user, sub, &may));
        else API(rolecall_may_click_to_call(d, agreement, user, sub, &may));
        *ans = json_bool(may);
    } else if (strcmp(op, "pbx_subscriber") == 0) {
        char *sub = NULL;
        TRY(ref_field(r, a, "agreement", K_AGREEMENT, NULL, &agreement, st));
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        API(rolecall_agreement_pbx_subscriber(d, agreement, user, &sub));
        *ans = sub ? json_str(sub) : json_null();
        rolecall_string_free(sub);
    } else if (strcmp(op, "group_members") == 0) {
        rolecall_id_list *ids = NULL;
        TRY(ref_field(r, a, "group", K_GROUP, &c, &group, st));
        API(rolecall_group_members(d, group, &ids));
        *ans = id_refs(r, K_USER, ids->ids, ids->len);
        rolecall_id_list_free(ids);
    } else if (strcmp(op, "group_permissions") == 0) {
        TRY(ref_field(r, a, "group", K_GROUP, &c, &group, st));
        API(rolecall_group_permissions(d, group, &p));
        *ans = permission_names(p);
    } else if (strcmp(op, "get_user") == 0 || strcmp(op, "get_user_as") == 0) {
        rolecall_user *u = NULL;
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        if (strcmp(op, "get_user_as") == 0) {
            uint64_t target;
            TRY(ref_field(r, a, "target", K_USER, NULL, &target, st));
            API(rolecall_user_get_as(d, user, target, &u));
        } else {
            API(rolecall_user_get(d, user, &u));
        }
        int rc = user_json(r, u, ans, st);
        rolecall_user_free(u);
        return rc;
    } else if (strcmp(op, "check_user") == 0) {
        uint64_t target;
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        TRY(permission(a, "permission", &p, st));
        TRY(ref_field(r, a, "target", K_USER, NULL, &target, st));
        *ans = json_bool(rolecall_check_user(d, user, p, target));
    } else if (strcmp(op, "get_scope") == 0) {
        rolecall_scope *sc = NULL;
        TRY(ref_field(r, a, "scope", K_SCOPE, NULL, &scope, st));
        API(rolecall_scope_get(d, scope, &sc));
        *ans = json_obj();
        json_set(ans, "name", json_str(sc->name));
        json_set(ans, "kind", json_str(sc->kind_name));
        json_set(ans, "parent", sc->parent ? ref_value(r, K_SCOPE, sc->parent) : json_null());
        rolecall_scope_free(sc);
    } else if (strcmp(op, "child_scopes") == 0 || strcmp(op, "team_members") == 0) {
        rolecall_id_list *ids = NULL;
        TRY(ref_field(r, a, "scope", K_SCOPE, NULL, &scope, st));
        if (op[0] == 'c') API(rolecall_scope_children(d, scope, &ids));
        else API(rolecall_team_members(d, scope, &ids));
        *ans = id_refs(r, op[0] == 'c' ? K_SCOPE : K_USER, ids->ids, ids->len);
        rolecall_id_list_free(ids);
    } else if (strcmp(op, "get_role") == 0) {
        rolecall_role *ro = NULL;
        TRY(ref_field(r, a, "role", K_ROLE, &c, &role, st));
        API(rolecall_role_get(d, role, &ro));
        *ans = json_obj();
        json_set(ans, "name", json_str(ro->name));
        json_set(ans, "permissions", permission_names(ro->permissions));
        json_set(ans, "denied", permission_names(ro->denied));
        json_set(ans, "scoped", json_bool(ro->scoped));
        json_set(ans, "admin_tier", json_bool(ro->admin_tier));
        json_set(ans, "preset", ro->has_preset ? json_str(rolecall_preset_name(ro->preset)) : json_null());
        json_set(ans, "namespace", json_str(ro->namespace_name));
        rolecall_role_free(ro);
    } else if (strcmp(op, "get_group") == 0) {
        rolecall_group *g = NULL;
        TRY(ref_field(r, a, "group", K_GROUP, &c, &group, st));
        API(rolecall_group_get(d, group, &g));
        jval roles;
        int rc = role_names(r, g->roles, g->roles_len, &roles, st);
        if (rc == 0) {
            *ans = json_obj();
            json_set(ans, "name", json_str(g->name));
            json_set(ans, "roles", roles);
        }
        rolecall_group_free(g);
        return rc;
    } else if (strcmp(op, "user_by_email") == 0) {
        const char *email;
        rolecall_user *u = NULL;
        TRY(ref_field(r, a, "tenant", K_TENANT, NULL, &tenant, st));
        TRY(str(a, "email", &email, st));
        API(rolecall_user_by_email(d, tenant, email, &u));
        *ans = ref_value(r, K_USER, u->id);
        rolecall_user_free(u);
    } else if (strcmp(op, "search_users") == 0 || strcmp(op, "search_users_as") == 0) {
        rolecall_user_query q;
        API(rolecall_user_query_default(&q));
        TRY(opt_str(a, "text", &q.text, st));
        TRY(bool_or(a, "active_only", false, &q.active_only, st));
        TRY(size_or(a, "offset", 0, &q.offset, st));
        TRY(size_or(a, "limit", 50, &q.limit, st));
        rolecall_user_list *page = NULL;
        if (op[12] == '_') {
            TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
            API(rolecall_user_search_as(d, user, &q, &page));
        } else {
            TRY(ref_field(r, a, "tenant", K_TENANT, NULL, &tenant, st));
            API(rolecall_user_search(d, tenant, &q, &page));
        }
        *ans = json_obj();
        json_set(ans, "total", json_u64(page->total));
        jval users = json_arr();
        for (size_t i = 0; i < page->len; i++) json_push(&users, ref_value(r, K_USER, page->items[i].id));
        json_set(ans, "users", users);
        rolecall_user_list_free(page);
    } else if (strcmp(op, "tenant_settings") == 0) {
        rolecall_tenant_settings s;
        TRY(ref_field(r, a, "tenant", K_TENANT, NULL, &tenant, st));
        API(rolecall_tenant_settings_get(d, tenant, &s));
        *ans = json_obj();
        json_set(ans, "strict_agreement_levels", json_bool(s.strict_agreement_levels));
        json_set(ans, "phone_region", s.phone_region[0] ? json_str(s.phone_region) : json_null());
    } else if (strcmp(op, "sod_rules") == 0) {
        rolecall_sod_rule_list *rules = NULL;
        TRY(ref_field(r, a, "tenant", K_TENANT, NULL, &tenant, st));
        API(rolecall_sod_rules(d, tenant, &rules));
        *ans = json_arr();
        for (size_t i = 0; i < rules->len; i++) {
            jval o = json_obj();
            json_set(&o, "name", json_str(rules->items[i].name));
            json_set(&o, "first", permission_names(rules->items[i].first));
            json_set(&o, "second", permission_names(rules->items[i].second));
            json_push(ans, o);
        }
        rolecall_sod_rule_list_free(rules);
    } else if (strcmp(op, "sod_violations") == 0) {
        rolecall_sod_violation_list *found = NULL;
        TRY(ref_field(r, a, "tenant", K_TENANT, NULL, &tenant, st));
        API(rolecall_sod_violations(d, tenant, &found));
        *ans = json_arr();
        for (size_t i = 0; i < found->len; i++) {
            jval o = json_obj();
            json_set(&o, "rule", json_str(found->items[i].rule));
            json_set(&o, "user", ref_value(r, K_USER, found->items[i].user));
            json_push(ans, o);
        }
        rolecall_sod_violation_list_free(found);
    } else if (strcmp(op, "session_valid") == 0) {
        uint64_t stamp;
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        TRY(ref_field(r, a, "stamp", K_STAMP, NULL, &stamp, st));
        *ans = json_bool(rolecall_session_valid(d, user, stamp));
    } else if (strcmp(op, "login") == 0) {
        const char *email, *password;
        rolecall_session s;
        TRY(ref_field(r, a, "tenant", K_TENANT, NULL, &tenant, st));
        TRY(str(a, "email", &email, st));
        TRY(str(a, "password", &password, st));
        API(rolecall_login(d, tenant, email, password, &s));
        *ans = json_obj();
        json_set(ans, "user", ref_value(r, K_USER, s.user));
        json_set(ans, "must_change_password", json_bool(s.must_change_password));
    } else if (strcmp(op, "credential_status") == 0) {
        rolecall_credential_status s;
        TRY(ref_field(r, a, "user", K_USER, NULL, &user, st));
        API(rolecall_credential_status_get(d, user, &s));
        *ans = json_obj();
        json_set(ans, "has_password", json_bool(s.has_password));
        json_set(ans, "must_change", json_bool(s.must_change));
        json_set(ans, "failed_logins", json_u64(s.failed_logins));
        json_set(ans, "locked", json_bool(s.locked));
    } else if (strcmp(op, "audit_events") == 0) {
        rolecall_audit_query q;
        const char *needle;
        API(rolecall_audit_query_default(&q));
        TRY(ref_field(r, a, "tenant", K_TENANT, NULL, &q.tenant, st));
        q.has_tenant = true;
        TRY(opt_str(a, "action", &q.action, st));
        TRY(opt_str(a, "outcome", &q.outcome, st));
        TRY(opt_str(a, "contains", &needle, st));
        q.limit = 1000;
        size_t total = 0, containing = 0;
        for (;;) {
            rolecall_audit_event_list *page = NULL;
            API(rolecall_audit_search(d, &q, &page));
            for (size_t i = 0; i < page->len; i++) {
                const rolecall_audit_event *e = &page->items[i];
                if (ascii_ci_contains(e->detail, needle) || ascii_ci_contains(e->before, needle) ||
                    ascii_ci_contains(e->after, needle))
                    containing++;
            }
            total = page->total;
            q.offset += page->len;
            bool done = page->len == 0 || q.offset >= total;
            rolecall_audit_event_list_free(page);
            if (done) break;
        }
        *ans = json_obj();
        json_set(ans, "total", json_u64(total));
        json_set(ans, "containing", json_u64(containing));
    } else if (strcmp(op, "notifications") == 0) {
        static const char *const KINDS[] = {"other", "email_changed", "password_reset_requested",
                                            "account_locked", "grant_expired", "activated",
                                            "break_glass_used"};
        rolecall_notification_list *l = NULL;
        API(rolecall_directory_drain_notifications(d, &l));
        *ans = json_arr();
        for (size_t i = 0; i < l->len; i++) {
            rolecall_notification_kind k = l->items[i].kind;
            jval n = json_obj();
            json_set(&n, "kind", json_str(k < sizeof KINDS / sizeof *KINDS ? KINDS[k] : "other"));
            json_set(&n, "user", ref_value(r, K_USER, l->items[i].user));
            json_push(ans, n);
        }
        rolecall_notification_list_free(l);
    } else if (strcmp(op, "valid_until") == 0) {
        rolecall_snapshot *s = NULL;
        bool has = false;
        int64_t until = 0;
        API(rolecall_directory_snapshot(d, &s));
        rolecall_status code = rolecall_snapshot_valid_until(s, &has, &until);
        rolecall_snapshot_free(s);
        if (code) return api_error(st, code);
        *ans = has ? json_i64(until) : json_null();
    } else {
        return bad(st, "unknown query \"%s\"", op);
    }
    return 0;
}

/* ---------------------------------------------------------------------- steps and files */

/* Object answers are compared on the keys the expectation names only. */
static bool matches(const jval *expected, const jval *actual) {
    if (expected->type == J_OBJ && actual->type == J_OBJ) {
        for (size_t i = 0; i < expected->n; i++) {
            const jval *v = json_get(actual, expected->keys[i]);
            if (!v || !json_equal(&expected->items[i], v)) return false;
        }
        return true;
    }
    return json_equal(expected, actual);
}

static const opdef *find_op(const opdef *table, const char *op) {
    for (; table->op; table++)
        if (strcmp(table->op, op) == 0) return table;
    return NULL;
}

static bool listed(const char *const *keys, const char *k) {
    for (; *keys; keys++)
        if (strcmp(*keys, k) == 0) return true;
    return false;
}

static char *to_text(const jval *v) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return strdup("?");
    json_print(f, v);
    fclose(f);
    return buf;
}

typedef enum { STEP_OK, STEP_FAILED, STEP_NOT_EXPRESSIBLE } step_result;

/* Runs one step; on failure writes the reason to `why`. */
static step_result run_step(runner *r, const jval *step, char *why, size_t why_len) {
    if (step->type != J_OBJ) return snprintf(why, why_len, "a step must be an object"), STEP_FAILED;
    const jval *opv = json_get(step, "op");
    if (!opv || opv->type != J_STR) return snprintf(why, why_len, "a step needs \"op\" (a string)"), STEP_FAILED;
    const char *op = opv->s;
    const opdef *def = find_op(QUERIES, op);
    bool is_query = def != NULL;
    if (!def) def = find_op(MUTATIONS, op);
    if (!def) return snprintf(why, why_len, "unknown op \"%s\"", op), STEP_FAILED;
    bool has_actor = !is_query && !listed(NO_ACTOR, op);
    for (size_t i = 0; i < step->n; i++) {
        const char *k = step->keys[i];
        if (!listed(COMMON, k) && !listed(def->keys, k) && !(has_actor && strcmp(k, "as") == 0))
            return snprintf(why, why_len, "unknown field \"%s\" for %s", k, op), STEP_FAILED;
    }
    /* The expectation. */
    const jval *expect = json_get(step, "expect");
    const char *expect_error = NULL;
    if (expect && expect->type == J_OBJ && expect->n == 1 && strcmp(expect->keys[0], "error") == 0) {
        if (expect->items[0].type != J_STR) return snprintf(why, why_len, "\"error\" must be a string"), STEP_FAILED;
        expect_error = expect->items[0].s;
    } else if (!expect && is_query) {
        return snprintf(why, why_len, "a query needs \"expect\""), STEP_FAILED;
    } else if (!is_query && expect && !(expect->type == J_STR && strcmp(expect->s, "ok") == 0)) {
        char *t = to_text(expect);
        snprintf(why, why_len, "a mutation expects \"ok\" or {\"error\": kind}, not %s", t);
        free(t);
        return STEP_FAILED;
    }

    uint64_t before = 0, after = 0;
    rolecall_directory_revision(r->dir, &before);
    stop st;
    memset(&st, 0, sizeof st);
    jval answer = json_null();
    int rc = is_query ? query(r, op, step, &answer, &st) : mutate(r, op, step, &st);
    step_result result = STEP_OK;
    if (rc != 0 && st.k == S_NUL) {
        /* The vector passes a string holding U+0000: no NUL-terminated C string can carry it, so
         * no C caller can make this call. Reported apart, never counted as passed. */
        snprintf(why, why_len, "%s", st.msg);
        result = expect_error ? STEP_NOT_EXPRESSIBLE : STEP_FAILED;
    } else if (rc != 0 && st.k == S_BAD) {
        snprintf(why, why_len, "malformed step: %s", st.msg);
        result = STEP_FAILED;
    } else if (rc != 0 && expect_error) {
        if (strcmp(st.kind, expect_error) != 0) {
            snprintf(why, why_len, "expected error %s, got error %s (%s)", expect_error, st.kind, st.msg);
            result = STEP_FAILED;
        } else {
            rolecall_directory_revision(r->dir, &after);
            if (after != before && !listed(RECORDS_ATTEMPTS, op)) {
                snprintf(why, why_len, "failed as expected (%s) but the revision changed from %llu to %llu",
                         expect_error, (unsigned long long)before, (unsigned long long)after);
                result = STEP_FAILED;
            }
        }
    } else if (rc != 0) {
        snprintf(why, why_len, "expected success, got error %s (%s)", st.kind, st.msg);
        result = STEP_FAILED;
    } else if (expect_error) {
        char *t = is_query ? to_text(&answer) : NULL;
        snprintf(why, why_len, "expected error %s, got success%s%s", expect_error, t ? " answering " : "",
                 t ? t : "");
        free(t);
        result = STEP_FAILED;
    } else if (is_query && !matches(expect, &answer)) {
        char *e = to_text(expect), *g = to_text(&answer);
        snprintf(why, why_len, "expected %s, got %s", e, g);
        free(e);
        free(g);
        result = STEP_FAILED;
    }
    json_free(&answer);
    return result;
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    *len = n;
    return buf;
}

typedef struct {
    int passed, failed, not_expressible, files, steps;
} totals;

static bool valid_header(const jval *doc) {
    if (doc->type != J_OBJ) return false;
    const jval *title = json_get(doc, "title"), *source = json_get(doc, "source");
    const jval *steps = json_get(doc, "steps");
    if (!title || title->type != J_STR || !source || source->type != J_STR) return false;
    if (!steps || steps->type != J_ARR || steps->n == 0) return false;
    for (size_t i = 0; i < doc->n; i++) {
        const char *k = doc->keys[i];
        if (strcmp(k, "title") && strcmp(k, "source") && strcmp(k, "description") && strcmp(k, "steps"))
            return false;
    }
    return true;
}

static void run_file(const char *path, const char *name, totals *t) {
    size_t len = 0;
    char *text = read_file(path, &len);
    t->files++;
    if (!text) {
        printf("FAIL %s: cannot read the file\n", name);
        t->failed++;
        return;
    }
    jval doc;
    char err[256];
    if (json_parse(text, len, &doc, err, sizeof err) != 0) {
        printf("FAIL %s: not valid JSON: %s\n", name, err);
        t->failed++;
        free(text);
        return;
    }
    free(text);
    if (!valid_header(&doc)) {
        printf("FAIL %s: needs \"title\" and \"source\" strings, at least one step and no other "
               "field than \"description\"\n", name);
        t->failed++;
        json_free(&doc);
        return;
    }
    const jval *steps = json_get(&doc, "steps");
    runner r = {NULL, NULL, NULL, 0, 0, NULL, 0};
    if (rolecall_manual_clock_new(VECTORS_T0, &r.clock) != ROLECALL_STATUS_OK ||
        rolecall_directory_open_in_memory_with_clock(r.clock, &r.dir) != ROLECALL_STATUS_OK) {
        printf("FAIL %s: cannot open a directory: %s\n", name, rolecall_last_error_message());
        t->failed++;
        rolecall_manual_clock_free(r.clock);
        json_free(&doc);
        return;
    }
    /* The cheapest argon2id: the vectors test rules, not the hash's cost. */
    rolecall_directory_set_hash_params(r.dir, 8, 1, 1);
    printf("%s: %zu steps\n", name, steps->n);
    t->steps += (int)steps->n;
    char why[2048];
    for (size_t i = 0; i < steps->n; i++) {
        const jval *step = &steps->items[i];
        step_result res = run_step(&r, step, why, sizeof why);
        const jval *op = json_get(step, "op"), *note = json_get(step, "note");
        const char *op_name = op && op->type == J_STR ? op->s : "?";
        if (res == STEP_OK) {
            t->passed++;
        } else if (res == STEP_NOT_EXPRESSIBLE) {
            t->not_expressible++;
            printf("  not expressible in C: %s step %zu (%s): %s\n", name, i, op_name, why);
        } else {
            t->failed++;
            printf("FAIL %s step %zu (%s): %s%s%s%s (%zu later steps not run)\n", name, i, op_name, why,
                   note && note->type == J_STR ? " [note: " : "", note && note->type == J_STR ? note->s : "",
                   note && note->type == J_STR ? "]" : "", steps->n - i - 1);
            break;
        }
    }
    rolecall_directory_free(r.dir);
    rolecall_manual_clock_free(r.clock);
    for (size_t i = 0; i < r.n; i++) free(r.b[i].handle);
    for (size_t i = 0; i < r.ntokens; i++) free(r.tokens[i]);
    free(r.tokens);
    free(r.b);
    json_free(&doc);
}

static int cmp_path(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
    const char *target = argc > 1 ? argv[1] : getenv("ROLECALL_VECTORS");
    if (!target || !*target) target = "tests/vectors";
    totals t = {0, 0, 0, 0, 0};
    struct stat sb;
    if (stat(target, &sb) != 0) {
        fprintf(stderr, "cannot read %s\n", target);
        return 2;
    }
    if (S_ISREG(sb.st_mode)) {
        run_file(target, target, &t);
    } else {
        DIR *dp = opendir(target);
        if (!dp) {
            fprintf(stderr, "cannot read %s\n", target);
            return 2;
        }
        char **files = NULL;
        size_t n = 0;
        struct dirent *e;
        while ((e = readdir(dp)) != NULL) {
            size_t l = strlen(e->d_name);
            if (l > 5 && strcmp(e->d_name + l - 5, ".json") == 0) {
                files = realloc(files, (n + 1) * sizeof *files);
                files[n++] = strdup(e->d_name);
            }
        }
        closedir(dp);
        qsort(files, n, sizeof *files, cmp_path);
        if (n == 0) {
            fprintf(stderr, "no conformance vectors found in %s\n", target);
            return 2;
        }
        for (size_t i = 0; i < n; i++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", target, files[i]);
            run_file(path, path, &t);
            free(files[i]);
        }
        free(files);
    }
    printf("%d files, %d steps\n", t.files, t.steps);
    if (t.not_expressible)
        printf("%d step(s) not expressible through the C ABI (a string holding U+0000, a parent "
               "scope 0; skipped, each an expected refusal that changes nothing)\n",
               t.not_expressible);
    printf("c-vectors: %d passed, %d failed\n", t.passed, t.failed);
    return t.failed == 0 ? 0 : 1;
}
