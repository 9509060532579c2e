/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* A streaming JSON writer into a GString: the caller opens and closes containers and
 * the writer places commas, quotes and escapes. Nesting deeper than JSON_MAX_DEPTH is a
 * programming error (asserted). */
#define JSON_MAX_DEPTH 32

struct json_writer {
        GString *out;
        bool pretty;
        unsigned depth;
        bool has_items[JSON_MAX_DEPTH];
        bool after_key;
};

void json_writer_init(struct json_writer *w, GString *out, bool pretty);

void json_begin_object(struct json_writer *w);
void json_end_object(struct json_writer *w);
void json_begin_array(struct json_writer *w);
void json_end_array(struct json_writer *w);
void json_key(struct json_writer *w, const char *key);

void json_string(struct json_writer *w, const char *s);  /* NULL writes null */
void json_int(struct json_writer *w, int64_t v);
void json_uint(struct json_writer *w, uint64_t v);
void json_double(struct json_writer *w, double v);       /* NaN/Inf write null */
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);
