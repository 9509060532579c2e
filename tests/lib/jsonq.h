/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* A small, strict (RFC 8259) JSON reader for the test suite only: it checks what the
 * daemon writes with irqbal/json.h, so the project needs no JSON library. */

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Containers nested deeper than this are rejected (the parser recurses). */
#define JV_MAX_DEPTH 256

enum jv_type {
        JV_NULL,
        JV_BOOL,
        JV_NUMBER,
        JV_STRING,
        JV_ARRAY,
        JV_OBJECT,
};

struct jv {
        enum jv_type type;
        bool boolean;           /* JV_BOOL */
        double number;          /* JV_NUMBER */
        bool is_int;            /* JV_NUMBER without fraction or exponent that fits int64_t */
        int64_t integer;        /* JV_NUMBER, valid if is_int */
        char *string;           /* JV_STRING: decoded UTF-8, NUL-terminated */
        size_t string_len;      /* JV_STRING: bytes, more than strlen() after a \u0000 */
        GPtrArray *items;       /* JV_ARRAY, JV_OBJECT: struct jv *, in document order */
        GPtrArray *keys;        /* JV_OBJECT: struct jv * of type JV_STRING, parallel to items */
};

/* Parses all of TEXT (one value, optionally surrounded by whitespace). On failure returns
 * -EINVAL, leaves *ret untouched and writes "LINE:COLUMN: what" into ERR (may be NULL);
 * columns count UTF-8 characters from 1. Duplicate keys in an object are rejected. */
int jv_parse(const char *text, struct jv **ret, char *err, size_t errsize);
void jv_free(struct jv *v);
static inline void jv_freep(struct jv **v)
{
        jv_free(*v);
}

/* Lookups take NULL and the wrong type and return NULL (or 0/false/NaN) then, so they
 * chain: jv_int(jv_get(jv_at(irqs, 0), "irq")). */
const struct jv *jv_get(const struct jv *obj, const char *key);
const struct jv *jv_at(const struct jv *arr, size_t i);
const char *jv_key(const struct jv *obj, size_t i);     /* the i-th key, in order */
size_t jv_len(const struct jv *v);                      /* array or object size */
/* "topology.nodes[1].cpus", "irqs[0].name", "[2]"; "" is ROOT; bad syntax is NULL. */
const struct jv *jv_path(const struct jv *root, const char *path);
const char *jv_str(const struct jv *v);
bool jv_is_null(const struct jv *v);                    /* a JSON null, not a missing value */
int64_t jv_int(const struct jv *v);                     /* 0 unless v->is_int */
double jv_num(const struct jv *v);                      /* NaN unless a number */
bool jv_bool(const struct jv *v);                       /* false unless true */
/* The first object in ARRAY whose member KEY is the integer VALUE, e.g. "irq": 36. */
const struct jv *jv_find(const struct jv *array, const char *key, int64_t value);
