/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <math.h>

#include "irqbal/json.h"

void json_writer_init(struct json_writer *w, GString *out, bool pretty)
{
        *w = (struct json_writer) { .out = out, .pretty = pretty };
}

static void newline(struct json_writer *w)
{
        if (!w->pretty)
                return;
        g_string_append_c(w->out, '\n');
        for (unsigned i = 0; i < w->depth; i++)
                g_string_append(w->out, "  ");
}

/* Every value and every key starts here: a comma after a sibling, none after a key. */
static void begin_item(struct json_writer *w)
{
        if (w->after_key) {
                w->after_key = false;
                return;
        }
        if (w->depth == 0)
                return;
        if (w->has_items[w->depth])
                g_string_append_c(w->out, ',');
        w->has_items[w->depth] = true;
        newline(w);
}

static void open_container(struct json_writer *w, char c)
{
        begin_item(w);
        g_string_append_c(w->out, c);
        assert(w->depth + 1 < JSON_MAX_DEPTH);
        w->depth++;
        w->has_items[w->depth] = false;
}

static void close_container(struct json_writer *w, char c)
{
        bool had_items;

        assert(w->depth > 0 && !w->after_key);
        had_items = w->has_items[w->depth];
        w->depth--;
        if (had_items)
                newline(w);
        g_string_append_c(w->out, c);
}

void json_begin_object(struct json_writer *w) { open_container(w, '{'); }
void json_end_object(struct json_writer *w)   { close_container(w, '}'); }
void json_begin_array(struct json_writer *w)  { open_container(w, '['); }
void json_end_array(struct json_writer *w)    { close_container(w, ']'); }

static void append_escaped(GString *out, const char *s)
{
        g_string_append_c(out, '"');
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                switch (*p) {
                case '"':  g_string_append(out, "\\\""); break;
                case '\\': g_string_append(out, "\\\\"); break;
                case '\n': g_string_append(out, "\\n"); break;
                case '\t': g_string_append(out, "\\t"); break;
                case '\r': g_string_append(out, "\\r"); break;
                default:
                        if (*p < 0x20)
                                g_string_append_printf(out, "\\u%04x", *p);
                        else
                                g_string_append_c(out, (char) *p);
                }
        }
        g_string_append_c(out, '"');
}

void json_key(struct json_writer *w, const char *key)
{
        assert(!w->after_key);
        begin_item(w);
        append_escaped(w->out, key);
        g_string_append(w->out, w->pretty ? ": " : ":");
        w->after_key = true;
}

void json_string(struct json_writer *w, const char *s)
{
        if (!s) {
                json_null(w);
                return;
        }
        begin_item(w);
        append_escaped(w->out, s);
}

void json_int(struct json_writer *w, int64_t v)
{
        begin_item(w);
        g_string_append_printf(w->out, "%" G_GINT64_FORMAT, (gint64) v);
}

void json_uint(struct json_writer *w, uint64_t v)
{
        begin_item(w);
        g_string_append_printf(w->out, "%" G_GUINT64_FORMAT, (guint64) v);
}

void json_double(struct json_writer *w, double v)
{
        char buf[G_ASCII_DTOSTR_BUF_SIZE];

        if (!isfinite(v)) {
                json_null(w);
                return;
        }
        begin_item(w);
        /* Locale-independent: a daemon started with LC_NUMERIC=de_DE must not write 1,5. */
        g_string_append(w->out, g_ascii_formatd(buf, sizeof(buf), "%.6g", v));
}

void json_bool(struct json_writer *w, bool v)
{
        begin_item(w);
        g_string_append(w->out, v ? "true" : "false");
}

void json_null(struct json_writer *w)
{
        begin_item(w);
        g_string_append(w->out, "null");
}
