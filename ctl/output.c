/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "output.h"

int json_mode_from_string(const char *s)
{
        if (strcmp(s, "pretty") == 0)
                return JSON_PRETTY;
        if (strcmp(s, "short") == 0)
                return JSON_SHORT;
        if (strcmp(s, "off") == 0)
                return JSON_OFF;
        return -EINVAL;
}

struct table {
        size_t ncols;
        GPtrArray *cells;       /* char *, row-major, the headers first */
        char *right;
};

struct table *table_new(size_t ncols, const char *const *headers, const char *right)
{
        struct table *t = g_new0(struct table, 1);

        t->ncols = ncols;
        t->cells = g_ptr_array_new_with_free_func(g_free);
        t->right = g_strdup(right ? right : "");
        for (size_t i = 0; i < ncols; i++)
                g_ptr_array_add(t->cells, g_strdup(headers[i]));
        return t;
}

void table_add(struct table *t, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        g_ptr_array_add(t->cells, g_strdup_vprintf(fmt, ap));
        va_end(ap);
}

/* Display width: UTF-8 characters, not bytes. */
static size_t width_of(const char *s)
{
        return g_utf8_validate(s, -1, NULL) ? (size_t) g_utf8_strlen(s, -1) : strlen(s);
}

void table_print(const struct table *t, bool legend, FILE *f)
{
        size_t n = t->cells->len, *width = g_new0(size_t, t->ncols);

        for (size_t i = legend ? 0 : t->ncols; i < n; i++) {
                size_t w = width_of(t->cells->pdata[i]);

                if (w > width[i % t->ncols])
                        width[i % t->ncols] = w;
        }
        GString *line = g_string_new(NULL);

        for (size_t i = legend ? 0 : t->ncols; i < n; i++) {
                size_t c = i % t->ncols;
                const char *cell = t->cells->pdata[i];
                size_t pad = width[c] - width_of(cell);
                bool right = c < strlen(t->right) && t->right[c] == '1';
                bool last = c == t->ncols - 1 || i == n - 1;

                if (right)
                        g_string_append_printf(line, "%*s", (int) pad, "");
                g_string_append(line, cell);
                if (last) {
                        /* No trailing blanks when the last cells are empty. */
                        while (line->len && line->str[line->len - 1] == ' ')
                                g_string_truncate(line, line->len - 1);
                        fprintf(f, "%s\n", line->str);
                        g_string_truncate(line, 0);
                        continue;
                }
                if (!right)
                        g_string_append_printf(line, "%*s", (int) pad, "");
                g_string_append(line, "  ");
        }
        g_string_free(line, TRUE);
        g_free(width);
}

void table_free(struct table *t)
{
        if (!t)
                return;
        g_ptr_array_free(t->cells, TRUE);
        g_free(t->right);
        g_free(t);
}

char *load_bar(double fraction, unsigned width)
{
        GString *s = g_string_new("[");
        unsigned filled;

        if (!isfinite(fraction) || fraction < 0)
                fraction = 0;
        if (fraction > 1)
                fraction = 1;
        filled = (unsigned) lround(fraction * width);
        for (unsigned i = 0; i < width; i++)
                g_string_append_c(s, i < filled ? '#' : ' ');
        g_string_append_c(s, ']');
        return g_string_free(s, FALSE);
}
