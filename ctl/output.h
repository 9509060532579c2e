/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "irqbal/macro.h"

/* Output helpers for irqbalctl: aligned tables and load bars. JSON goes through
 * irqbal/json.h. */

enum json_mode { JSON_OFF, JSON_SHORT, JSON_PRETTY };

/* "pretty", "short" or "off"; -EINVAL otherwise. */
int json_mode_from_string(const char *s);

struct table;

/* A table with NCOLS columns named by HEADERS; columns listed in RIGHT (a string of
 * '1'/'0' per column, may be NULL) are right-aligned. */
struct table *table_new(size_t ncols, const char *const *headers, const char *right);
/* Appends one cell to the current row; a row is full after ncols cells. */
void table_add(struct table *t, const char *fmt, ...) _printf_(2, 3);
/* Prints the table, with its header line unless LEGEND is false. The last column is
 * not padded. */
void table_print(const struct table *t, bool legend, FILE *f);
void table_free(struct table *t);

/* "[#####     ]": FRACTION (0..1, clamped) of WIDTH cells filled. Malloc'd. */
char *load_bar(double fraction, unsigned width);
