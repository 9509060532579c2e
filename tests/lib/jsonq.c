/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "irqbal/macro.h"
#include "jsonq.h"

struct parser {
        const char *text;
        const char *p;
        char *err;
        size_t errsize;
        unsigned depth;
};

static int parse_value(struct parser *ps, struct jv **ret);

static int fail_at(struct parser *ps, const char *at, const char *fmt, ...) _printf_(3, 4);
static int fail_at(struct parser *ps, const char *at, const char *fmt, ...)
{
        unsigned line = 1, column = 1;
        va_list ap;
        int n;

        for (const char *q = ps->text; q < at; q++) {
                if (*q == '\n') {
                        line++;
                        column = 1;
                } else if (((unsigned char) *q & 0xC0) != 0x80)
                        column++;       /* not a UTF-8 continuation byte */
        }
        if (ps->err && ps->errsize > 0) {
                n = snprintf(ps->err, ps->errsize, "%u:%u: ", line, column);
                if (n >= 0 && (size_t) n < ps->errsize) {
                        va_start(ap, fmt);
                        vsnprintf(ps->err + n, ps->errsize - (size_t) n, fmt, ap);
                        va_end(ap);
                }
        }
        return -EINVAL;
}

static int fail_unexpected(struct parser *ps, const char *what)
{
        unsigned char c = (unsigned char) *ps->p;

        if (c == '\0')
                return fail_at(ps, ps->p, "unexpected end of input, expected %s", what);
        if (g_ascii_isprint(c))
                return fail_at(ps, ps->p, "unexpected '%c', expected %s", c, what);
        return fail_at(ps, ps->p, "unexpected byte 0x%02x, expected %s", c, what);
}

static void skip_ws(struct parser *ps)
{
        while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
                ps->p++;
}

static struct jv *jv_new(enum jv_type type)
{
        struct jv *v = g_new0(struct jv, 1);

        v->type = type;
        return v;
}

static void jv_free_item(gpointer v)
{
        jv_free(v);
}

void jv_free(struct jv *v)
{
        if (!v)
                return;
        g_free(v->string);
        if (v->items)
                g_ptr_array_unref(v->items);
        if (v->keys)
                g_ptr_array_unref(v->keys);
        g_free(v);
}

static int hex4(struct parser *ps, const char *at, unsigned *ret)
{
        unsigned u = 0;

        for (int i = 0; i < 4; i++) {
                int d = g_ascii_xdigit_value(at[i]);

                if (d < 0)
                        return fail_at(ps, at + i, "expected 4 hex digits after \\u");
                u = u << 4 | (unsigned) d;
        }
        *ret = u;
        return 0;
}

static int parse_string(struct parser *ps, struct jv **ret)
{
        g_autoptr(GString) s = g_string_new(NULL);
        static const char escapes[] = "\"\\/bfnrt";
        const char *p = ps->p + 1, *esc, *simple;
        struct jv *v;
        unsigned u = 0, lo = 0;
        int r;

        for (;;) {
                unsigned char c = (unsigned char) *p;

                if (c == '"')
                        break;
                if (c == '\0')
                        return fail_at(ps, ps->p, "unterminated string");
                if (c < 0x20)
                        return fail_at(ps, p, "control character 0x%02x in a string must be escaped", c);
                if (c != '\\') {
                        g_string_append_c(s, (char) c);
                        p++;
                        continue;
                }
                esc = p++;
                simple = *p != '\0' ? strchr(escapes, *p) : NULL;
                if (simple) {
                        g_string_append_c(s, "\"\\/\b\f\n\r\t"[simple - escapes]);
                        p++;
                        continue;
                }
                if (*p != 'u')
                        return fail_at(ps, esc, "invalid escape sequence");
                r = hex4(ps, p + 1, &u);
                if (r < 0)
                        return r;
                p += 4;
                if (u >= 0xDC00 && u <= 0xDFFF)
                        return fail_at(ps, esc, "unpaired low surrogate \\u%04X", u);
                if (u >= 0xD800 && u <= 0xDBFF) {
                        if (p[1] != '\\' || p[2] != 'u')
                                return fail_at(ps, esc, "high surrogate \\u%04X without a low surrogate", u);
                        r = hex4(ps, p + 3, &lo);
                        if (r < 0)
                                return r;
                        if (lo < 0xDC00 || lo > 0xDFFF)
                                return fail_at(ps, p + 1, "\\u%04X is not a low surrogate", lo);
                        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                        p += 6;
                }
                g_string_append_unichar(s, u);
                p++;
        }
        ps->p = p + 1;
        v = jv_new(JV_STRING);
        v->string_len = s->len;
        v->string = g_string_free(TAKE_PTR(s), FALSE);
        *ret = v;
        return 0;
}

static const char *skip_digits(const char *p)
{
        while (g_ascii_isdigit(*p))
                p++;
        return p;
}

static int parse_number(struct parser *ps, struct jv **ret)
{
        const char *p = ps->p;
        g_autofree char *lit = NULL;
        bool integral = true;
        long long i;
        struct jv *v;

        if (*p == '-')
                p++;
        if (*p == '0' && g_ascii_isdigit(p[1]))
                return fail_at(ps, p, "leading zero in a number");
        if (!g_ascii_isdigit(*p))
                return fail_at(ps, p, "expected a digit");
        p = skip_digits(p);
        if (*p == '.') {
                integral = false;
                if (!g_ascii_isdigit(*++p))
                        return fail_at(ps, p, "expected a digit after the decimal point");
                p = skip_digits(p);
        }
        if (*p == 'e' || *p == 'E') {
                integral = false;
                if (*++p == '+' || *p == '-')
                        p++;
                if (!g_ascii_isdigit(*p))
                        return fail_at(ps, p, "expected a digit in the exponent");
                p = skip_digits(p);
        }
        /* A copy, so that strtod() cannot read on into hex or "inf" forms. */
        lit = g_strndup(ps->p, (size_t) (p - ps->p));
        v = jv_new(JV_NUMBER);
        v->number = g_ascii_strtod(lit, NULL);
        if (isinf(v->number)) {
                jv_free(v);
                return fail_at(ps, ps->p, "number %s is out of range", lit);
        }
        if (integral) {
                errno = 0;
                i = g_ascii_strtoll(lit, NULL, 10);
                if (errno == 0) {
                        v->is_int = true;
                        v->integer = i;
                }
        }
        ps->p = p;
        *ret = v;
        return 0;
}

static int parse_container(struct parser *ps, struct jv **ret)
{
        bool object = *ps->p == '{';
        char close = object ? '}' : ']';
        _cleanup_(jv_freep) struct jv *v = jv_new(object ? JV_OBJECT : JV_ARRAY);
        struct jv *key, *item;
        const char *at, *comma;
        int r;

        if (++ps->depth > JV_MAX_DEPTH)
                return fail_at(ps, ps->p, "nested deeper than %d", JV_MAX_DEPTH);
        v->items = g_ptr_array_new_with_free_func(jv_free_item);
        if (object)
                v->keys = g_ptr_array_new_with_free_func(jv_free_item);
        ps->p++;
        skip_ws(ps);
        if (*ps->p != close)
                for (;;) {
                        if (object) {
                                at = ps->p;
                                if (*ps->p != '"')
                                        return fail_unexpected(ps, "a string key");
                                r = parse_string(ps, &key);
                                if (r < 0)
                                        return r;
                                g_ptr_array_add(v->keys, key);
                                for (guint k = 0; k + 1 < v->keys->len; k++) {
                                        const struct jv *o = g_ptr_array_index(v->keys, k);

                                        if (o->string_len == key->string_len &&
                                            memcmp(o->string, key->string, key->string_len) == 0)
                                                return fail_at(ps, at, "duplicate key \"%s\"", key->string);
                                }
                                skip_ws(ps);
                                if (*ps->p != ':')
                                        return fail_unexpected(ps, "':'");
                                ps->p++;
                        }
                        r = parse_value(ps, &item);
                        if (r < 0)
                                return r;
                        g_ptr_array_add(v->items, item);
                        skip_ws(ps);
                        if (*ps->p == close)
                                break;
                        if (*ps->p != ',')
                                return fail_unexpected(ps, object ? "',' or '}'" : "',' or ']'");
                        comma = ps->p++;
                        skip_ws(ps);
                        if (*ps->p == close)
                                return fail_at(ps, comma, "trailing comma before '%c'", close);
                }
        ps->p++;
        ps->depth--;
        *ret = TAKE_PTR(v);
        return 0;
}

static int parse_literal(struct parser *ps, const char *word, struct jv *v, struct jv **ret)
{
        size_t n = strlen(word);

        if (strncmp(ps->p, word, n) != 0) {
                jv_free(v);
                return fail_at(ps, ps->p, "invalid literal, expected %s", word);
        }
        ps->p += n;
        *ret = v;
        return 0;
}

static int parse_value(struct parser *ps, struct jv **ret)
{
        struct jv *v;

        skip_ws(ps);
        switch (*ps->p) {
        case '{': case '[':
                return parse_container(ps, ret);
        case '"':
                return parse_string(ps, ret);
        case 'n':
                return parse_literal(ps, "null", jv_new(JV_NULL), ret);
        case 't': case 'f':
                v = jv_new(JV_BOOL);
                v->boolean = *ps->p == 't';
                return parse_literal(ps, v->boolean ? "true" : "false", v, ret);
        case '-': case '0' ... '9':
                return parse_number(ps, ret);
        default:
                return fail_unexpected(ps, "a value");
        }
}

int jv_parse(const char *text, struct jv **ret, char *err, size_t errsize)
{
        struct parser ps = { .text = text, .p = text, .err = err, .errsize = errsize };
        struct jv *v;
        const char *bad;
        int r;

        if (err && errsize > 0)
                err[0] = '\0';
        if (!g_utf8_validate(text, -1, &bad))
                return fail_at(&ps, bad, "invalid UTF-8");
        r = parse_value(&ps, &v);
        if (r < 0)
                return r;
        skip_ws(&ps);
        if (*ps.p != '\0') {
                jv_free(v);
                return fail_at(&ps, ps.p, "trailing characters after the value");
        }
        *ret = v;
        return 0;
}

const struct jv *jv_get(const struct jv *obj, const char *key)
{
        if (!obj || obj->type != JV_OBJECT || !key)
                return NULL;
        for (guint i = 0; i < obj->keys->len; i++) {
                const struct jv *k = g_ptr_array_index(obj->keys, i);

                if (strlen(key) == k->string_len && strcmp(k->string, key) == 0)
                        return g_ptr_array_index(obj->items, i);
        }
        return NULL;
}

const struct jv *jv_at(const struct jv *arr, size_t i)
{
        if (!arr || arr->type != JV_ARRAY || i >= arr->items->len)
                return NULL;
        return g_ptr_array_index(arr->items, i);
}

const char *jv_key(const struct jv *obj, size_t i)
{
        if (!obj || obj->type != JV_OBJECT || i >= obj->keys->len)
                return NULL;
        return ((const struct jv *) g_ptr_array_index(obj->keys, i))->string;
}

size_t jv_len(const struct jv *v)
{
        return v && (v->type == JV_ARRAY || v->type == JV_OBJECT) ? v->items->len : 0;
}

const struct jv *jv_path(const struct jv *root, const char *path)
{
        const struct jv *v = root;
        const char *p = path;
        unsigned long long i;
        char *end;
        size_t n;

        while (v && *p) {
                if (*p == '[') {
                        if (!g_ascii_isdigit(p[1]))
                                return NULL;
                        errno = 0;
                        i = strtoull(p + 1, &end, 10);
                        if (errno != 0 || *end != ']')
                                return NULL;
                        v = jv_at(v, i);
                        p = end + 1;
                        if (*p != '\0' && *p != '.' && *p != '[')
                                return NULL;
                } else {
                        g_autofree char *key = NULL;

                        n = strcspn(p, ".[");
                        if (n == 0)
                                return NULL;
                        key = g_strndup(p, n);
                        v = jv_get(v, key);
                        p += n;
                }
                /* A dot must be followed by a key. */
                if (*p == '.' && (*++p == '\0' || *p == '.' || *p == '['))
                        return NULL;
        }
        return v;
}

const char *jv_str(const struct jv *v)
{
        return v && v->type == JV_STRING ? v->string : NULL;
}

bool jv_is_null(const struct jv *v)
{
        return v && v->type == JV_NULL;
}

int64_t jv_int(const struct jv *v)
{
        return v && v->type == JV_NUMBER && v->is_int ? v->integer : 0;
}

double jv_num(const struct jv *v)
{
        return v && v->type == JV_NUMBER ? v->number : NAN;
}

bool jv_bool(const struct jv *v)
{
        return v && v->type == JV_BOOL && v->boolean;
}

const struct jv *jv_find(const struct jv *array, const char *key, int64_t value)
{
        const struct jv *m;

        for (size_t i = 0; i < jv_len(array) && array->type == JV_ARRAY; i++) {
                m = jv_get(jv_at(array, i), key);
                if (m && m->type == JV_NUMBER && m->is_int && m->integer == value)
                        return jv_at(array, i);
        }
        return NULL;
}
