/* A small, exact JSON reader and builder for the conformance runner.
 *
 * Exact where a general-purpose library is not: numbers keep their text (ids go up to 2^64 - 1,
 * which a double cannot hold), and strings keep their length (a string may contain U+0000).
 * Objects keep their keys in order; duplicate keys are refused. */
#ifndef ROLECALL_VECTORS_JSON_H
#define ROLECALL_VECTORS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;

typedef struct jval {
    jtype type;
    bool b;             /* J_BOOL */
    char *s;            /* J_STR: the decoded UTF-8 text, NUL-terminated; J_NUM: the number's text */
    size_t len;         /* J_STR / J_NUM: bytes in `s` (a J_STR may hold NUL bytes) */
    struct jval *items; /* J_ARR: elements; J_OBJ: values */
    char **keys;        /* J_OBJ: keys, parallel to `items` */
    size_t n, cap;      /* J_ARR / J_OBJ: count and capacity */
} jval;

/* Parses `text` (`len` bytes) into `*out`. Returns 0, or -1 with a message in `err`. */
int json_parse(const char *text, size_t len, jval *out, char *err, size_t err_len);
void json_free(jval *v);

/* The value of `key` in an object, or NULL (also when `v` is not an object). */
const jval *json_get(const jval *v, const char *key);

/* Builders: the returned values own their memory; free a tree with json_free. */
jval json_null(void);
jval json_bool(bool b);
jval json_u64(uint64_t n);
jval json_i64(int64_t n);
jval json_str(const char *s);
jval json_arr(void);
jval json_obj(void);
void json_push(jval *arr, jval v);                  /* takes ownership of v */
void json_set(jval *obj, const char *key, jval v);  /* takes ownership of v */

/* A non-negative integer as uint64_t; false for anything else (or out of range). */
bool json_as_u64(const jval *v, uint64_t *out);

/* Equality: numbers by value, strings by bytes, arrays in order, objects by key set. */
bool json_equal(const jval *a, const jval *b);

/* Writes compact JSON (strings escaped) to `f`. */
void json_print(FILE *f, const jval *v);

#endif
