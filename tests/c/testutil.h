/* A minimal test harness for the C programs of tests/c: counts checks, reports failures with
 * file, line and the library's last error, and prints "<name>: N passed, M failed". */
#ifndef ROLECALL_TESTUTIL_H
#define ROLECALL_TESTUTIL_H

#include <stdio.h>
#include <string.h>

#include "rolecall.h"

static int tu_passed = 0;
static int tu_failed = 0;

#define CHECK(cond)                                                                          \
    do {                                                                                     \
        if (cond) {                                                                          \
            tu_passed++;                                                                     \
        } else {                                                                             \
            tu_failed++;                                                                     \
            fprintf(stderr, "%s:%d: check failed: %s (last error: %s: %s)\n", __FILE__,      \
                    __LINE__, #cond, rolecall_last_error_kind(), rolecall_last_error_message()); \
        }                                                                                    \
    } while (0)

/* The call must succeed. */
#define OK(call) CHECK_STATUS(call, ROLECALL_STATUS_OK)

/* The call must return `code`; a failure must also leave a non-empty message and the same
 * code as the thread's last error. */
#define CHECK_STATUS(call, code)                                                             \
    do {                                                                                     \
        rolecall_status tu_st_ = (call);                                                     \
        rolecall_status tu_want_ = (code);                                                   \
        if (tu_st_ == tu_want_ &&                                                            \
            (tu_want_ == ROLECALL_STATUS_OK ||                                               \
             (rolecall_last_error_code() == tu_want_ && rolecall_last_error_message()[0]))) { \
            tu_passed++;                                                                     \
        } else {                                                                             \
            tu_failed++;                                                                     \
            fprintf(stderr, "%s:%d: %s returned %u (%s), expected %u (%s); last error: %s\n", \
                    __FILE__, __LINE__, #call, tu_st_, rolecall_status_kind(tu_st_), tu_want_, \
                    rolecall_status_kind(tu_want_), rolecall_last_error_message());          \
        }                                                                                    \
    } while (0)

#define CHECK_STR(a, b)                                                                      \
    do {                                                                                     \
        const char *tu_a_ = (a), *tu_b_ = (b);                                               \
        if (tu_a_ && tu_b_ && strcmp(tu_a_, tu_b_) == 0) {                                   \
            tu_passed++;                                                                     \
        } else {                                                                             \
            tu_failed++;                                                                     \
            fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, \
                    tu_a_ ? tu_a_ : "(null)", tu_b_ ? tu_b_ : "(null)");                     \
        }                                                                                    \
    } while (0)

static int tu_report(const char *name) {
    printf("%s: %d passed, %d failed\n", name, tu_passed, tu_failed);
    return tu_failed == 0 ? 0 : 1;
}

#endif
