/* C benchmark of rolecall checks through the C ABI only (rolecall.h, librolecall).
 *
 * Builds the call-center model of the Rust `checks` benchmark (benches/src/call_center.rs
 * `build_call_center`, same generator and seed, so the same tenant) with the C API's bulk path
 * (rolecall_users_create: every user with its roles and call groups in one commit), then times
 * (user, permission) queries that are truly random over ALL users and generated on the fly, as
 * the Rust benchmark does: query i is a pure function of i (splitmix64), so no array of queries
 * streams through the caches beside the data under test. What generating a query costs is
 * measured as its own row; every other row includes it.
 *
 * Every row is measured in the same run, interleaved batch by batch (each timed batch after an
 * untimed batch of its own on other random queries), so that all rows see the same machine
 * load: the physical limit (a plain C array of every user's permissions, two uint64_t per user,
 * indexed by user id, and an AND), generating the query alone, an empty non-inlined C call with
 * the arguments of rolecall_check, rolecall_check, rolecall_snapshot_check and the check_many
 * forms. Median and p99 of the per-call time over batches (clock_gettime(CLOCK_MONOTONIC)).
 *
 *   benches/c/run.sh                    builds the release library and this program, runs it
 *   bench_check [--quick] [N ...]       sizes N (default 1000 100000; ROLECALL_BENCH_FULL=1
 *                                       adds 1000000); --quick or ROLECALL_BENCH_QUICK=1: 200
 *                                       users, and a check that every user is queried
 */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rolecall.h"

/* ------------------------------------------------------------------------------ helpers */

static void must(rolecall_status st, const char *what) {
    if (st != ROLECALL_STATUS_OK) {
        fprintf(stderr, "%s failed: %s (%s)\n", what, rolecall_last_error_message(),
                rolecall_last_error_kind());
        exit(1);
    }
}

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return p;
}

static bool flag(const char *name) {
    const char *v = getenv(name);
    return v && *v && strcmp(v, "0") != 0;
}

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* xorshift64*: bit for bit the Rng of benches/src/lib.rs (it builds the model). */
static uint64_t rng_state;

static uint64_t next_u64(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * UINT64_C(0x2545F4914F6CDD1D);
}

static size_t below(size_t n) { return (size_t)(next_u64() % (uint64_t)n); }

/* ------------------------------------------------------------------------------ the model */

typedef struct {
    rolecall_directory *dir;
    rolecall_user_id *users;
    size_t n;
} model;

#define JOBS 12
#define TEAMS 25
#define CALL_GROUPS 20

/* benches/src/call_center.rs `build_call_center`, draw for draw: 12 job roles of 8 random
 * permissions (the first two scoped), 25 team roles of 3, `n` agents each holding one job role
 * (the smaller of two draws) and one team role, one agent in ten restricted to its team's two
 * call groups; then benches/src/lib.rs `agreements_with_levels`: four agreements granting
 * random product levels to a twentieth of the users (at most 500 each). The users are created
 * with their roles and call groups in rolecall_users_create calls (the Rust model sets the
 * call groups after creating the users, with the same draws: the same directory). */
static model build(size_t n) {
    model m = {0};
    char name[64];
    rng_state = 0xCA11;
    must(rolecall_directory_open_in_memory(&m.dir), "open");
    rolecall_new_user root_user = {0};
    root_user.first_name = "Root";
    root_user.last_name = "Center";
    root_user.email = "root@center.test";
    rolecall_preset presets[] = {ROLECALL_PRESET_DASHBOARD};
    rolecall_tenant_created *t = NULL;
    must(rolecall_tenant_create(m.dir, "Call center", &root_user, presets, 1, &t), "tenant");
    rolecall_user_id root = t->superadmin;
    rolecall_tenant_created_free(t);

    rolecall_scope_id scopes[CALL_GROUPS];
    for (size_t i = 0; i < CALL_GROUPS; i++) {
        snprintf(name, sizeof name, "Call group %zu", i);
        must(rolecall_scope_create(m.dir, root, ROLECALL_SCOPE_KIND_CALL_GROUP, name, &scopes[i]),
             "scope");
    }
    size_t cat_len = rolecall_catalogue_len();
    rolecall_permission *catalogue = xmalloc(cat_len * sizeof *catalogue);
    for (size_t i = 0; i < cat_len; i++)
        must(rolecall_catalogue_get(i, &catalogue[i], NULL), "catalogue");
    rolecall_role_id jobs[JOBS], teams[TEAMS];
    for (size_t i = 0; i < JOBS + TEAMS; i++) {
        bool job = i < JOBS;
        rolecall_permission p = ROLECALL_PERM_NONE;
        for (int k = 0; k < (job ? 8 : 3); k++) {
            rolecall_permission c = catalogue[below(cat_len)];
            p.lo |= c.lo;
            p.hi |= c.hi;
        }
        if (job)
            snprintf(name, sizeof name, "Job %zu", i);
        else
            snprintf(name, sizeof name, "Team %zu", i - JOBS);
        rolecall_new_role r = {0};
        r.name = name;
        r.permissions = p;
        r.scoped = job && i < 2;
        must(rolecall_role_create(m.dir, root, &r, job ? &jobs[i] : &teams[i - JOBS]), "role");
    }

    /* Every user's job and team first, then who watches call groups: the Rust order. */
    rolecall_role_id(*roles)[2] = xmalloc(n * sizeof *roles);
    size_t *team_of = xmalloc(n * sizeof *team_of);
    for (size_t i = 0; i < n; i++) {
        size_t a = below(JOBS), b = below(JOBS);
        size_t team = below(TEAMS);
        roles[i][0] = jobs[a < b ? a : b];
        roles[i][1] = teams[team];
        team_of[i] = team;
    }
    rolecall_scope_id(*watched)[2] = xmalloc(n * sizeof *watched);
    bool *watches = xmalloc(n * sizeof *watches);
    for (size_t i = 0; i < n; i++) {
        watches[i] = below(10) == 0;
        watched[i][0] = scopes[team_of[i] % CALL_GROUPS];
        watched[i][1] = scopes[(team_of[i] + 7) % CALL_GROUPS];
    }
    /* The names of a chunk of users live in one buffer; 100,000 users a commit. */
    enum { CHUNK = 100000, NAME = 48 };
    rolecall_new_user *batch = xmalloc(CHUNK * sizeof *batch);
    char *names = xmalloc((size_t)CHUNK * 2 * NAME);
    m.users = xmalloc(n * sizeof *m.users);
    m.n = n;
    for (size_t from = 0; from < n; from += CHUNK) {
        size_t len = n - from < CHUNK ? n - from : CHUNK;
        for (size_t k = 0; k < len; k++) {
            size_t i = from + k;
            char *last = names + 2 * NAME * k, *email = last + NAME;
            snprintf(last, NAME, "No %zu", i);
            snprintf(email, NAME, "agent%zu@center.test", i);
            rolecall_new_user u = {0};
            u.first_name = "Agent";
            u.last_name = last;
            u.email = email;
            u.roles = roles[i];
            u.roles_len = 2;
            if (watches[i]) {
                u.scopes = watched[i];
                u.scopes_len = 2;
            }
            batch[k] = u;
        }
        must(rolecall_users_create(m.dir, root, batch, len, m.users + from), "users");
    }
    free(names);
    free(batch);

    const rolecall_product products[] = {ROLECALL_PRODUCT_TELEPHONY, ROLECALL_PRODUCT_VIRTUAL_PBX,
                                         ROLECALL_PRODUCT_AUTOMATED_CALLS,
                                         ROLECALL_PRODUCT_CHATBOTS};
    const rolecall_access_level levels[] = {ROLECALL_LEVEL_NO_ACCESS, ROLECALL_LEVEL_USER,
                                            ROLECALL_LEVEL_ADMINISTRATOR};
    for (size_t i = 0; i < 4; i++) {
        rolecall_agreement_id a;
        snprintf(name, sizeof name, "Contract %zu", i);
        must(rolecall_agreement_create(m.dir, root, name, root, &a), "agreement");
        size_t grants = n / 20 < 500 ? n / 20 : 500;
        for (size_t j = 0; j < grants; j++) {
            rolecall_user_id u = m.users[below(n)];
            rolecall_product p = products[below(4)];
            rolecall_access_level l = levels[below(3)];
            must(rolecall_agreement_set_access_level(m.dir, root, a, u, p, l), "level");
        }
    }
    free(watches);
    free(watched);
    free(team_of);
    free(roles);
    free(catalogue);
    return m;
}

/* ------------------------------------------------------------------------------ queries */

/* splitmix64: query i is a pure function of i, a few cycles (benches/benches/checks.rs `mix`). */
static inline uint64_t mix(uint64_t i) {
    uint64_t z = i + UINT64_C(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

typedef struct {
    const rolecall_user_id *users; /* when the ids are not one contiguous range */
    uint64_t n;
    uint64_t first; /* the first id when they are */
    bool contiguous;
    const rolecall_permission *catalogue;
    uint64_t cat_len;
} queries;

/* Query i: a user uniformly over every user (the high 32 bits of mix(i) scaled to the users)
 * and a permission of the catalogue (16 low bits scaled): as checks.rs `Queries::check`. */
static inline void query(const queries *q, uint64_t i, rolecall_user_id *user,
                         rolecall_permission *perm) {
    uint64_t r = mix(i);
    uint64_t k = ((r >> 32) * q->n) >> 32;
    *user = q->contiguous ? q->first + k : q->users[k];
    *perm = q->catalogue[((r & 0xFFFF) * q->cat_len) >> 16];
}

/* ------------------------------------------------------------------------------ rows */

/* An empty function the compiler may neither inline nor see through, taking the arguments of
 * rolecall_check (a pointer, a 64-bit id, a 128-bit permission by value). */
#if defined(__GNUC__) && !defined(__clang__)
#define OPAQUE __attribute__((noinline, noipa))
#else
#define OPAQUE __attribute__((noinline))
#endif
static OPAQUE bool empty_check(const rolecall_directory *dir, rolecall_user_id user,
                               rolecall_permission perm) {
    __asm__ volatile("" : : "r"(dir), "r"(user), "r"(perm.lo), "r"(perm.hi) : "memory");
    return false;
}

/* The physical limit: every user's permissions in one plain array indexed by user id. */
typedef struct {
    uint64_t lo, hi;
} bits128;

typedef struct {
    const queries *q;
    const rolecall_directory *dir;
    const rolecall_snapshot *snap;
    const bits128 *dense;
    size_t dense_len;
    rolecall_user_id *many_users;
    rolecall_permission *many_perms;
    bool *many_out;
} ctx;

/* Keeps a value the optimiser must compute, without a store. */
#define KEEP(x) __asm__ volatile("" : : "r"(x))

/* Each row runs the queries i0 .. i0 + batch; returns a count of "allowed" to keep them alive. */
typedef uint64_t (*row_fn)(const ctx *, uint64_t i0, size_t batch);

static uint64_t row_dense(const ctx *c, uint64_t i0, size_t batch) {
    uint64_t yes = 0;
    const bits128 *dense = c->dense;
    KEEP(dense);
    for (uint64_t i = i0; i < i0 + batch; i++) {
        rolecall_user_id u;
        rolecall_permission p;
        query(c->q, i, &u, &p);
        if (u < c->dense_len) {
            bits128 v = dense[u];
            /* Branch-free, as a u128 AND and compare is: answers are random. */
            yes += (uint64_t)(((v.lo & p.lo) == p.lo) & ((v.hi & p.hi) == p.hi));
        }
    }
    return yes;
}

static uint64_t row_generate(const ctx *c, uint64_t i0, size_t batch) {
    uint64_t yes = 0;
    for (uint64_t i = i0; i < i0 + batch; i++) {
        rolecall_user_id u;
        rolecall_permission p;
        query(c->q, i, &u, &p);
        KEEP(u);
        KEEP(p.lo);
        KEEP(p.hi);
        yes += (u & 1) == 1;
    }
    return yes;
}

static uint64_t row_empty(const ctx *c, uint64_t i0, size_t batch) {
    uint64_t yes = 0;
    for (uint64_t i = i0; i < i0 + batch; i++) {
        rolecall_user_id u;
        rolecall_permission p;
        query(c->q, i, &u, &p);
        yes += empty_check(c->dir, u, p);
    }
    return yes;
}

static uint64_t row_check(const ctx *c, uint64_t i0, size_t batch) {
    uint64_t yes = 0;
    for (uint64_t i = i0; i < i0 + batch; i++) {
        rolecall_user_id u;
        rolecall_permission p;
        query(c->q, i, &u, &p);
        yes += rolecall_check(c->dir, u, p);
    }
    return yes;
}

static uint64_t row_snapshot(const ctx *c, uint64_t i0, size_t batch) {
    uint64_t yes = 0;
    for (uint64_t i = i0; i < i0 + batch; i++) {
        rolecall_user_id u;
        rolecall_permission p;
        query(c->q, i, &u, &p);
        yes += rolecall_snapshot_check(c->snap, u, p);
    }
    return yes;
}

/* check_many: the batch's pairs drawn into arrays (timed, as in checks.rs), then one call. */
static void draw_many(const ctx *c, uint64_t i0, size_t batch) {
    for (size_t k = 0; k < batch; k++)
        query(c->q, i0 + k, &c->many_users[k], &c->many_perms[k]);
}

static uint64_t row_check_many(const ctx *c, uint64_t i0, size_t batch) {
    draw_many(c, i0, batch);
    must(rolecall_check_many(c->dir, c->many_users, batch, c->many_perms, batch, c->many_out,
                             batch),
         "check_many");
    return c->many_out[i0 % batch];
}

static uint64_t row_snapshot_many(const ctx *c, uint64_t i0, size_t batch) {
    draw_many(c, i0, batch);
    must(rolecall_snapshot_check_many(c->snap, c->many_users, batch, c->many_perms, batch,
                                      c->many_out, batch),
         "snapshot_check_many");
    return c->many_out[i0 % batch];
}

typedef struct {
    double median;
    double p99;
} stats;

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static volatile uint64_t sink;

/* The first query of the untimed batches: far from the timed ones (0, batch, 2 batch, ...). */
#define WARM (UINT64_C(1) << 40)

/* Runs every row's batch in turn, `rounds` times after one warm-up round, each timed batch
 * right after an untimed batch of the same row on other random queries (the row before may
 * have emptied the caches of what this one keeps warm), the order of the rows rotating each
 * round. Round r times the queries r*batch .. (r+1)*batch - 1, the same ones for every row. */
static void interleaved(const ctx *c, const row_fn *rows, size_t nrows, size_t rounds,
                        size_t batch, stats *out) {
    double *samples = xmalloc(nrows * rounds * sizeof *samples);
    uint64_t acc = 0;
    for (size_t r = 0; r <= rounds; r++) {
        for (size_t j = 0; j < nrows; j++) {
            size_t v = (r + j) % nrows;
            acc += rows[v](c, WARM + (uint64_t)r * batch, batch);
            uint64_t t0 = now_ns();
            acc += rows[v](c, (uint64_t)r * batch, batch);
            uint64_t t1 = now_ns();
            if (r > 0)
                samples[v * rounds + r - 1] = (double)(t1 - t0) / (double)batch;
        }
    }
    sink += acc;
    for (size_t v = 0; v < nrows; v++) {
        double *s = samples + v * rounds;
        qsort(s, rounds, sizeof *s, cmp_double);
        out[v].median = s[rounds / 2];
        out[v].p99 = s[rounds * 99 / 100];
    }
    free(samples);
}

/* ------------------------------------------------------------------------------ main */

static void run_size(size_t n, bool quick) {
    /* Quick runs (CI) make at least 20 queries a user, so that every user is queried. */
    size_t rounds = quick ? 40 : 2000, batch = quick ? 100 : 1000;
    uint64_t t0 = now_ns();
    model m = build(n);
    double built = (double)(now_ns() - t0) / 1e9;
    printf("\n== %zu users, call-center model (benches/src/call_center.rs; built through the C "
           "ABI's rolecall_users_create in %.1f s)\n",
           n, built);
    printf("  %zu rounds of %zu queries a row, truly random over all users and generated on the "
           "fly (splitmix64), rows interleaved; median and p99 over rounds\n",
           rounds, batch);

    rolecall_snapshot *snap = NULL;
    must(rolecall_directory_snapshot(m.dir, &snap), "snapshot");
    size_t cat_len = rolecall_catalogue_len();
    rolecall_permission *catalogue = xmalloc(cat_len * sizeof *catalogue);
    for (size_t i = 0; i < cat_len; i++)
        must(rolecall_catalogue_get(i, &catalogue[i], NULL), "catalogue");
    queries q = {0};
    q.users = m.users;
    q.n = m.n;
    q.catalogue = catalogue;
    q.cat_len = cat_len;
    q.first = m.users[0];
    q.contiguous = true;
    size_t ids = 0;
    for (size_t k = 0; k < m.n; k++) {
        q.contiguous = q.contiguous && m.users[k] == q.first + k;
        if (m.users[k] + 1 > ids)
            ids = m.users[k] + 1;
    }

    if (quick) {
        /* The CI check that this benchmark does not flatter: the timed queries of a row touch
         * every user at least once. */
        bool *seen = calloc(ids, sizeof *seen);
        if (!seen)
            exit(1);
        for (uint64_t i = 0; i < (uint64_t)rounds * batch; i++) {
            rolecall_user_id u;
            rolecall_permission p;
            query(&q, i, &u, &p);
            seen[u] = true;
        }
        size_t missed = 0;
        for (size_t k = 0; k < m.n; k++)
            missed += !seen[m.users[k]];
        free(seen);
        if (missed) {
            fprintf(stderr, "%zu of %zu users are never queried\n", missed, n);
            exit(1);
        }
        printf("  every one of the %zu users is queried by the timed rounds\n", n);
    }

    /* The limit's array: every user's effective permissions, by id. */
    bits128 *dense = calloc(ids, sizeof *dense);
    if (!dense)
        exit(1);
    for (size_t k = 0; k < m.n; k++) {
        rolecall_permission p;
        must(rolecall_effective_permissions(m.dir, m.users[k], &p), "effective_permissions");
        dense[m.users[k]].lo = p.lo;
        dense[m.users[k]].hi = p.hi;
    }

    /* Every form gives the same answers, and the model answers both ways. */
    const size_t verify = 65536;
    rolecall_user_id *vu = xmalloc(verify * sizeof *vu);
    rolecall_permission *vp = xmalloc(verify * sizeof *vp);
    bool *vr = xmalloc(verify * sizeof *vr);
    for (size_t i = 0; i < verify; i++)
        query(&q, i, &vu[i], &vp[i]);
    must(rolecall_check_many(m.dir, vu, verify, vp, verify, vr, verify), "check_many");
    size_t yes = 0;
    for (size_t i = 0; i < verify; i++) {
        bool a = rolecall_check(m.dir, vu[i], vp[i]);
        bits128 d = dense[vu[i]];
        bool limit = (d.lo & vp[i].lo) == vp[i].lo && (d.hi & vp[i].hi) == vp[i].hi;
        if (a != rolecall_snapshot_check(snap, vu[i], vp[i]) || a != vr[i] || a != limit) {
            fprintf(stderr, "answers differ on query %zu\n", i);
            exit(1);
        }
        yes += a;
    }
    if (yes == 0 || yes == verify) {
        fprintf(stderr, "the model answers all-yes or all-no\n");
        exit(1);
    }
    printf("  %zu of %zu queries allowed; rolecall_check, rolecall_snapshot_check, "
           "rolecall_check_many and the limit's array agree\n",
           yes, verify);
    free(vr);
    free(vp);
    free(vu);

    ctx c = {0};
    c.q = &q;
    c.dir = m.dir;
    c.snap = snap;
    c.dense = dense;
    c.dense_len = ids;
    c.many_users = xmalloc(batch * sizeof *c.many_users);
    c.many_perms = xmalloc(batch * sizeof *c.many_perms);
    c.many_out = xmalloc(batch * sizeof *c.many_out);
    static const row_fn rows[] = {row_dense,    row_generate,   row_empty,        row_check,
                                  row_snapshot, row_check_many, row_snapshot_many};
    static const char *const names[] = {
        "the limit: C array of 2 x uint64_t by user id + AND",
        "generating the query alone (in every row)",
        "empty non-inlined C call, same arguments",
        "rolecall_check(dir, user, perm)",
        "rolecall_snapshot_check(snapshot, user, perm)",
        "rolecall_check_many, per check (pairs drawn, 1 call)",
        "rolecall_snapshot_check_many, per check (same)",
    };
    enum { NROWS = sizeof rows / sizeof rows[0] };
    stats s[NROWS];
    interleaved(&c, rows, NROWS, rounds, batch, s);
    printf("  %-54s %9s %9s %10s %10s\n", "ns per check", "median", "p99", "vs limit",
           "vs empty");
    for (size_t v = 0; v < NROWS; v++)
        printf("  %-54s %9.2f %9.2f %9.2fx %9.2fx\n", names[v], s[v].median, s[v].p99,
               s[v].median / s[0].median, s[v].median / s[2].median);
    printf("  (check_many rows: one call per round of %zu pairs, drawn into arrays first, the "
           "time divided by %zu)\n",
           batch, batch);

    free(c.many_out);
    free(c.many_perms);
    free(c.many_users);
    free(dense);
    free(catalogue);
    rolecall_snapshot_free(snap);
    rolecall_directory_free(m.dir);
    free(m.users);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0); /* progress shows as each size ends, even piped */
    bool quick = flag("ROLECALL_BENCH_QUICK");
    size_t sizes[16];
    size_t count = 0;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--quick") == 0) {
            quick = true;
        } else if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
            printf("usage: %s [--quick] [users ...]\n", argv[0]);
            return 0;
        } else {
            char *end = NULL;
            unsigned long long v = strtoull(argv[a], &end, 10);
            if (!end || *end || v == 0 || count == 16) {
                fprintf(stderr, "bad argument: %s\n", argv[a]);
                return 2;
            }
            sizes[count++] = (size_t)v;
        }
    }
    if (count == 0) {
        if (quick) {
            sizes[count++] = 200;
        } else {
            sizes[count++] = 1000;
            sizes[count++] = 100000;
            if (flag("ROLECALL_BENCH_FULL"))
                sizes[count++] = 1000000;
        }
    }
    printf("rolecall %s C benchmark%s (C ABI, %s)\n", rolecall_version(), quick ? " (quick)" : "",
#if defined(ROLECALL_BENCH_LINK)
           ROLECALL_BENCH_LINK
#else
           "linked"
#endif
    );
    for (size_t k = 0; k < count; k++)
        run_size(sizes[k], quick);
    return 0;
}
