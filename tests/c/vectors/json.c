/* See json.h. A recursive-descent parser for RFC 8259 JSON (UTF-8 input). */
#include "json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *p, *end;
    char *err;
    size_t err_len;
    int depth;
} parser;

static void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "out of memory\n");
        abort();
    }
    return q;
}

static char *xstrndup(const char *s, size_t n) {
    char *d = xrealloc(NULL, n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

static int fail(parser *ps, const char *fmt, ...) {
    if (ps->err && ps->err_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ps->err, ps->err_len, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static void skip_ws(parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static int parse_value(parser *ps, jval *out);

static int hex4(parser *ps, unsigned *out) {
    if (ps->end - ps->p < 4) return fail(ps, "truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = ps->p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return fail(ps, "bad \\u escape");
    }
    ps->p += 4;
    *out = v;
    return 0;
}

static void put_utf8(char **buf, size_t *len, size_t *cap, unsigned cp) {
    if (*len + 4 >= *cap) {
        *cap = *cap * 2 + 8;
        *buf = xrealloc(*buf, *cap);
    }
    char *b = *buf + *len;
    if (cp < 0x80) {
        b[0] = (char)cp;
        *len += 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        *len += 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        *len += 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        *len += 4;
    }
}

static int parse_string(parser *ps, char **out, size_t *out_len) {
    ps->p++; /* opening quote */
    size_t cap = 32, len = 0;
    char *buf = xrealloc(NULL, cap);
    while (1) {
        if (ps->p >= ps->end) {
            free(buf);
            return fail(ps, "unterminated string");
        }
        unsigned char c = (unsigned char)*ps->p++;
        if (c == '"') break;
        if (c < 0x20) {
            free(buf);
            return fail(ps, "control character in string");
        }
        if (c != '\\') {
            if (len + 1 >= cap) {
                cap *= 2;
                buf = xrealloc(buf, cap);
            }
            buf[len++] = (char)c;
            continue;
        }
        if (ps->p >= ps->end) {
            free(buf);
            return fail(ps, "unterminated escape");
        }
        char e = *ps->p++;
        unsigned cp;
        switch (e) {
        case '"': cp = '"'; break;
        case '\\': cp = '\\'; break;
        case '/': cp = '/'; break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u':
            if (hex4(ps, &cp)) {
                free(buf);
                return -1;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo;
                if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u') {
                    free(buf);
                    return fail(ps, "lone surrogate");
                }
                ps->p += 2;
                if (hex4(ps, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
                    free(buf);
                    return fail(ps, "bad surrogate pair");
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                free(buf);
                return fail(ps, "lone surrogate");
            }
            break;
        default:
            free(buf);
            return fail(ps, "bad escape \\%c", e);
        }
        put_utf8(&buf, &len, &cap, cp);
    }
    buf[len] = 0;
    *out = buf;
    *out_len = len;
    return 0;
}

static int parse_number(parser *ps, jval *out) {
    const char *start = ps->p;
    if (ps->p < ps->end && *ps->p == '-') ps->p++;
    if (ps->p >= ps->end) return fail(ps, "bad number");
    if (*ps->p == '0') {
        ps->p++;
    } else if (*ps->p >= '1' && *ps->p <= '9') {
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
    } else {
        return fail(ps, "bad number");
    }
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') return fail(ps, "bad fraction");
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') return fail(ps, "bad exponent");
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
    }
    memset(out, 0, sizeof *out);
    out->type = J_NUM;
    out->len = (size_t)(ps->p - start);
    out->s = xstrndup(start, out->len);
    return 0;
}

static bool literal(parser *ps, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, word, n) == 0) {
        ps->p += n;
        return true;
    }
    return false;
}

static int parse_value(parser *ps, jval *out) {
    memset(out, 0, sizeof *out);
    if (++ps->depth > 64) return fail(ps, "nested too deeply");
    skip_ws(ps);
    if (ps->p >= ps->end) return fail(ps, "unexpected end of input");
    char c = *ps->p;
    int rc = 0;
    if (c == '{') {
        ps->p++;
        *out = json_obj();
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == '}') {
            ps->p++;
        } else {
            while (1) {
                skip_ws(ps);
                if (ps->p >= ps->end || *ps->p != '"') {
                    rc = fail(ps, "expected a key");
                    break;
                }
                char *key;
                size_t klen;
                if ((rc = parse_string(ps, &key, &klen))) break;
                if (strlen(key) != klen || json_get(out, key)) {
                    rc = fail(ps, "bad or duplicate key \"%s\"", key);
                    free(key);
                    break;
                }
                skip_ws(ps);
                if (ps->p >= ps->end || *ps->p != ':') {
                    free(key);
                    rc = fail(ps, "expected ':'");
                    break;
                }
                ps->p++;
                jval v;
                if ((rc = parse_value(ps, &v))) {
                    free(key);
                    break;
                }
                json_set(out, key, v);
                free(key);
                skip_ws(ps);
                if (ps->p < ps->end && *ps->p == ',') {
                    ps->p++;
                    continue;
                }
                if (ps->p < ps->end && *ps->p == '}') {
                    ps->p++;
                    break;
                }
                rc = fail(ps, "expected ',' or '}'");
                break;
            }
        }
    } else if (c == '[') {
        ps->p++;
        *out = json_arr();
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
        } else {
            while (1) {
                jval v;
                if ((rc = parse_value(ps, &v))) break;
                json_push(out, v);
                skip_ws(ps);
                if (ps->p < ps->end && *ps->p == ',') {
                    ps->p++;
                    continue;
                }
                if (ps->p < ps->end && *ps->p == ']') {
                    ps->p++;
                    break;
                }
                rc = fail(ps, "expected ',' or ']'");
                break;
            }
        }
    } else if (c == '"') {
        out->type = J_STR;
        rc = parse_string(ps, &out->s, &out->len);
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        rc = parse_number(ps, out);
    } else if (literal(ps, "true")) {
        *out = json_bool(true);
    } else if (literal(ps, "false")) {
        *out = json_bool(false);
    } else if (literal(ps, "null")) {
        *out = json_null();
    } else {
        rc = fail(ps, "unexpected character '%c'", c);
    }
    ps->depth--;
    if (rc) {
        json_free(out);
        memset(out, 0, sizeof *out);
    }
    return rc;
}

int json_parse(const char *text, size_t len, jval *out, char *err, size_t err_len) {
    parser ps = {text, text + len, err, err_len, 0};
    if (parse_value(&ps, out)) return -1;
    skip_ws(&ps);
    if (ps.p != ps.end) {
        json_free(out);
        return fail(&ps, "trailing characters");
    }
    return 0;
}

void json_free(jval *v) {
    if (!v) return;
    free(v->s);
    for (size_t i = 0; i < v->n; i++) {
        json_free(&v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    memset(v, 0, sizeof *v);
}

const jval *json_get(const jval *v, const char *key) {
    if (!v || v->type != J_OBJ) return NULL;
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->keys[i], key) == 0) return &v->items[i];
    return NULL;
}

jval json_null(void) {
    jval v;
    memset(&v, 0, sizeof v);
    v.type = J_NULL;
    return v;
}

jval json_bool(bool b) {
    jval v = json_null();
    v.type = J_BOOL;
    v.b = b;
    return v;
}

jval json_u64(uint64_t n) {
    jval v = json_null();
    char buf[32];
    int len = snprintf(buf, sizeof buf, "%llu", (unsigned long long)n);
    v.type = J_NUM;
    v.s = xstrndup(buf, (size_t)len);
    v.len = (size_t)len;
    return v;
}

jval json_i64(int64_t n) {
    jval v = json_null();
    char buf[32];
    int len = snprintf(buf, sizeof buf, "%lld", (long long)n);
    v.type = J_NUM;
    v.s = xstrndup(buf, (size_t)len);
    v.len = (size_t)len;
    return v;
}

jval json_str(const char *s) {
    jval v = json_null();
    v.type = J_STR;
    v.len = strlen(s);
    v.s = xstrndup(s, v.len);
    return v;
}

jval json_arr(void) {
    jval v = json_null();
    v.type = J_ARR;
    return v;
}

jval json_obj(void) {
    jval v = json_null();
    v.type = J_OBJ;
    return v;
}

static void grow(jval *c) {
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 4;
        c->items = xrealloc(c->items, c->cap * sizeof *c->items);
        if (c->type == J_OBJ) c->keys = xrealloc(c->keys, c->cap * sizeof *c->keys);
    }
}

void json_push(jval *arr, jval v) {
    grow(arr);
    arr->items[arr->n++] = v;
}

void json_set(jval *obj, const char *key, jval v) {
    grow(obj);
    obj->keys[obj->n] = xstrndup(key, strlen(key));
    obj->items[obj->n++] = v;
}

bool json_as_u64(const jval *v, uint64_t *out) {
    if (!v || v->type != J_NUM || v->len == 0) return false;
    for (size_t i = 0; i < v->len; i++)
        if (v->s[i] < '0' || v->s[i] > '9') return false;
    errno = 0;
    char *end;
    unsigned long long n = strtoull(v->s, &end, 10);
    if (errno == ERANGE || *end) return false;
    *out = (uint64_t)n;
    return true;
}

bool json_equal(const jval *a, const jval *b) {
    if (a->type != b->type) return false;
    switch (a->type) {
    case J_NULL: return true;
    case J_BOOL: return a->b == b->b;
    case J_NUM: {
        uint64_t x, y;
        if (json_as_u64(a, &x) && json_as_u64(b, &y)) return x == y;
        return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
    }
    case J_STR: return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
    case J_ARR:
        if (a->n != b->n) return false;
        for (size_t i = 0; i < a->n; i++)
            if (!json_equal(&a->items[i], &b->items[i])) return false;
        return true;
    case J_OBJ:
        if (a->n != b->n) return false;
        for (size_t i = 0; i < a->n; i++) {
            const jval *o = json_get(b, a->keys[i]);
            if (!o || !json_equal(&a->items[i], o)) return false;
        }
        return true;
    }
    return false;
}

static void print_str(FILE *f, const char *s, size_t len) {
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

void json_print(FILE *f, const jval *v) {
    switch (v->type) {
    case J_NULL: fputs("null", f); break;
    case J_BOOL: fputs(v->b ? "true" : "false", f); break;
    case J_NUM: fwrite(v->s, 1, v->len, f); break;
    case J_STR:
        if (v->len > 120) {
            print_str(f, v->s, 60);
            fprintf(f, "...(%zu bytes)", v->len);
        } else {
            print_str(f, v->s, v->len);
        }
        break;
    case J_ARR:
        fputc('[', f);
        for (size_t i = 0; i < v->n; i++) {
            if (i) fputc(',', f);
            json_print(f, &v->items[i]);
        }
        fputc(']', f);
        break;
    case J_OBJ:
        fputc('{', f);
        for (size_t i = 0; i < v->n; i++) {
            if (i) fputc(',', f);
            print_str(f, v->keys[i], strlen(v->keys[i]));
            fputc(':', f);
            json_print(f, &v->items[i]);
        }
        fputc('}', f);
        break;
    }
}
