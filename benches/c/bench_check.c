/* C benchmark of rolecall checks through the C ABI only (rolecall.h, librolecall).
 *
 * Builds the generated call-center model of the Rust benchmarks (benches/src/lib.rs `build`,
 * same generator and seed, so the same tenant) with the C API, then times random
 * (user, permission) queries, never one repeated query, in batches: median and p99 of the
 * per-call time over batches (clock_gettime(CLOCK_MONOTONIC)), next to a baseline measured in
 * the same run: an empty, non-inlined C function taking the arguments of rolecall_check.
 * The shape mirrors `cargo bench -p rolecall-benches --bench checks` (65,536 pre-drawn queries
 * cycled, 2,000 batches of 1,000 calls after 10 batches of warm-up), so the figures compare
 * with its Rust rows directly.
 *
 *   benches/c/run.sh                    builds the release library and this program, runs it
 *   bench_check [--quick] [N ...]       sizes N (default 1000 100000; ROLECALL_BENCH_FULL=1
 *                                       adds 1000000); --quick or ROLECALL_BENCH_QUICK=1: 200
 */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rolecall.h"

#define QUERIES (1u << 16)

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

/* xorshift64*: bit for bit the Rng of benches/src/lib.rs. */
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

/* benches/src/lib.rs `build`, step for step with the same random numbers: a tenant with the
 * Dashboard preset, 20 call groups, `roles` custom roles of up to 8 random permissions (every
 * fifth scoped) plus the preset Supervisor, `groups` groups of 2 roles, `n` users with one role
 * each in 1-3 groups, a quarter of them with 2 call groups, 4 agreements. The C ABI has no bulk
 * user creation: users are created one call each. */
static model build(size_t n, size_t roles, size_t groups) {
    model m = {0};
    char name[64], last[64], email[64];
    rng_state = 0x5EED;
    must(rolecall_directory_open_in_memory(&m.dir), "open");
    rolecall_new_user root_user = {0};
    root_user.first_name = "Root";
    root_user.last_name = "Bench";
    root_user.email = "root@bench.test";
    rolecall_preset presets[] = {ROLECALL_PRESET_DASHBOARD};
    rolecall_tenant_created *t = NULL;
    must(rolecall_tenant_create(m.dir, "Bench", &root_user, presets, 1, &t), "tenant");
    rolecall_user_id root = t->superadmin;
    rolecall_tenant_id tenant = t->tenant;
    rolecall_tenant_created_free(t);

    rolecall_scope_id scopes[20];
    for (size_t i = 0; i < 20; i++) {
        snprintf(name, sizeof name, "Group %zu", i);
        must(rolecall_scope_create(m.dir, root, ROLECALL_SCOPE_KIND_CALL_GROUP, name, &scopes[i]),
             "scope");
    }
    size_t cat_len = rolecall_catalogue_len();
    rolecall_permission *catalogue = xmalloc(cat_len * sizeof *catalogue);
    for (size_t i = 0; i < cat_len; i++)
        must(rolecall_catalogue_get(i, &catalogue[i], NULL), "catalogue");

    size_t role_count = roles + 1;
    rolecall_role_id *role_ids = xmalloc(role_count * sizeof *role_ids);
    for (size_t i = 0; i < roles; i++) {
        rolecall_permission p = ROLECALL_PERM_NONE;
        for (int k = 0; k < 8; k++) {
            rolecall_permission c = catalogue[below(cat_len)];
            p.lo |= c.lo;
            p.hi |= c.hi;
        }
        snprintf(name, sizeof name, "Role %zu", i);
        rolecall_new_role r = {0};
        r.name = name;
        r.permissions = p;
        r.scoped = i % 5 == 0;
        must(rolecall_role_create(m.dir, root, &r, &role_ids[i]), "role");
    }
    rolecall_role *supervisor = NULL;
    must(rolecall_role_by_name(m.dir, tenant, "Supervisor", &supervisor), "Supervisor");
    role_ids[roles] = supervisor->id;
    rolecall_role_free(supervisor);

    rolecall_group_id *group_ids = xmalloc(groups * sizeof *group_ids);
    for (size_t i = 0; i < groups; i++) {
        rolecall_role_id rs[2];
        rs[0] = role_ids[below(role_count)];
        rs[1] = role_ids[below(role_count)];
        snprintf(name, sizeof name, "Team %zu", i);
        must(rolecall_group_create(m.dir, root, name, rs, 2, &group_ids[i]), "group");
    }
    /* The Rust build draws every user's role first (one batch), then the memberships. */
    rolecall_role_id *user_role = xmalloc(n * sizeof *user_role);
    for (size_t i = 0; i < n; i++)
        user_role[i] = role_ids[below(role_count)];
    m.users = xmalloc(n * sizeof *m.users);
    m.n = n;
    for (size_t i = 0; i < n; i++) {
        snprintf(last, sizeof last, "No %zu", i);
        snprintf(email, sizeof email, "agent%zu@bench.test", i);
        rolecall_new_user u = {0};
        u.first_name = "Agent";
        u.last_name = last;
        u.email = email;
        u.roles = &user_role[i];
        u.roles_len = 1;
        must(rolecall_user_create(m.dir, root, &u, &m.users[i]), "user");
    }
    for (size_t i = 0; i < n; i++) {
        size_t k = 1 + below(3);
        for (size_t j = 0; j < k; j++)
            must(rolecall_group_add_member(m.dir, root, group_ids[below(groups)], m.users[i]),
                 "member");
        if (below(4) == 0) {
            rolecall_scope_id s[2];
            s[0] = scopes[below(20)];
            s[1] = scopes[below(20)];
            must(rolecall_user_set_scopes(m.dir, root, m.users[i], s, 2), "scopes");
        }
    }
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
    free(user_role);
    free(group_ids);
    free(role_ids);
    free(catalogue);
    return m;
}

/* ------------------------------------------------------------------------------ timing */

/* The baseline: an empty function the compiler may neither inline nor see through, taking the
 * arguments of rolecall_check (a pointer, a 64-bit id, a 128-bit permission by value). */
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

typedef struct {
    double median;
    double p99;
} stats;

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static stats summarise(double *samples, size_t n) {
    qsort(samples, n, sizeof *samples, cmp_double);
    stats s = {samples[n / 2], samples[n * 99 / 100]};
    return s;
}

static volatile uint64_t sink;

/* Times CALL (an expression of `i`, the query index) as benches/src/lib.rs `measure` does:
 * batch*10 calls of warm-up, then `rounds` batches of `batch` calls; ns per call per batch. */
#define MEASURE(out, rounds, batch, CALL)                                                      \
    do {                                                                                       \
        uint64_t acc_ = 0;                                                                     \
        size_t i = 0;                                                                          \
        for (size_t w_ = 0; w_ < (batch) * 10; w_++, i++)                                      \
            acc_ += (CALL);                                                                    \
        for (size_t r_ = 0; r_ < (rounds); r_++) {                                             \
            uint64_t t0_ = now_ns();                                                           \
            for (size_t b_ = 0; b_ < (batch); b_++, i++)                                       \
                acc_ += (CALL);                                                                \
            samples[r_] = (double)(now_ns() - t0_) / (double)(batch);                          \
        }                                                                                      \
        sink += acc_;                                                                          \
        (out) = summarise(samples, (rounds));                                                  \
    } while (0)

static void row(const char *name, stats s, stats base, bool per_call) {
    printf("  %-52s median %8.2f ns  p99 %8.2f ns  %6.2fx the empty call", name, s.median, s.p99,
           s.median / base.median);
    if (per_call)
        printf("  (+%.2f ns)", s.median - base.median);
    printf("\n");
}

/* ------------------------------------------------------------------------------ main */

static void run_size(size_t n, bool quick) {
    size_t rounds = quick ? 10 : 2000, batch = quick ? 100 : 1000;
    size_t roles = n < 200 ? n : 200, groups = n < 50 ? n : 50;
    uint64_t t0 = now_ns();
    model m = build(n, roles, groups);
    double built = (double)(now_ns() - t0) / 1e9;
    printf("\n== %zu users, %zu custom roles + Supervisor, %zu groups (model built through the C "
           "ABI in %.1f s)\n",
           n, roles, groups, built);
    printf("  %zu batches of %zu random queries (from %u pre-drawn, cycled), median and p99 "
           "over batches\n",
           rounds, batch, QUERIES);

    rolecall_snapshot *snap = NULL;
    must(rolecall_directory_snapshot(m.dir, &snap), "snapshot");
    size_t cat_len = rolecall_catalogue_len();
    rolecall_permission *catalogue = xmalloc(cat_len * sizeof *catalogue);
    for (size_t i = 0; i < cat_len; i++)
        must(rolecall_catalogue_get(i, &catalogue[i], NULL), "catalogue");
    rolecall_user_id *qu = xmalloc(QUERIES * sizeof *qu);
    rolecall_permission *qp = xmalloc(QUERIES * sizeof *qp);
    rng_state = 42;
    for (size_t i = 0; i < QUERIES; i++) {
        qu[i] = m.users[below(m.n)];
        qp[i] = catalogue[below(cat_len)];
    }
    const rolecall_directory *dir = m.dir;

    /* Every form gives the same answers, and the model answers both ways. */
    bool *results = xmalloc(QUERIES * sizeof *results);
    must(rolecall_check_many(dir, qu, QUERIES, qp, QUERIES, results, QUERIES), "check_many");
    size_t yes = 0;
    for (size_t i = 0; i < QUERIES; i++) {
        bool a = rolecall_check(dir, qu[i], qp[i]);
        if (a != rolecall_snapshot_check(snap, qu[i], qp[i]) || a != results[i]) {
            fprintf(stderr, "answers differ on query %zu\n", i);
            exit(1);
        }
        yes += a;
    }
    if (yes == 0 || yes == QUERIES) {
        fprintf(stderr, "the model answers all-yes or all-no\n");
        exit(1);
    }
    printf("  %zu of %u queries allowed; rolecall_check, rolecall_snapshot_check and "
           "rolecall_check_many agree\n",
           yes, QUERIES);

    double *samples = xmalloc(rounds * sizeof *samples);
    const size_t mask = QUERIES - 1;
    stats base, s;
    MEASURE(base, rounds, batch, empty_check(dir, qu[i & mask], qp[i & mask]));
    row("baseline: empty non-inlined C call, same arguments", base, base, false);
    MEASURE(s, rounds, batch, rolecall_check(dir, qu[i & mask], qp[i & mask]));
    row("rolecall_check(dir, user, perm)", s, base, true);
    MEASURE(s, rounds, batch, rolecall_snapshot_check(snap, qu[i & mask], qp[i & mask]));
    row("rolecall_snapshot_check(snapshot, user, perm)", s, base, true);

    /* Batches: one call per `batch` pairs (a different slice each time), per check. */
    size_t span = QUERIES - batch;
#define MANY(fn, handle)                                                                       \
    ((fn)(handle, qu + (i * batch) % span, batch, qp + (i * batch) % span, batch, results,     \
          batch) == ROLECALL_STATUS_OK)
    MEASURE(s, rounds, 1, MANY(rolecall_check_many, dir));
    s.median /= (double)batch;
    s.p99 /= (double)batch;
    char label[96];
    snprintf(label, sizeof label, "rolecall_check_many, per check (%zu pairs a call)", batch);
    row(label, s, base, false);
    MEASURE(s, rounds, 1, MANY(rolecall_snapshot_check_many, snap));
    s.median /= (double)batch;
    s.p99 /= (double)batch;
    snprintf(label, sizeof label, "rolecall_snapshot_check_many, per check (%zu pairs)", batch);
    row(label, s, base, false);
#undef MANY

    free(samples);
    free(results);
    free(qp);
    free(qu);
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
