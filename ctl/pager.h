/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* irqbalctl's pager, as systemctl's: output for a terminal goes through
 * $IRQBALCTL_PAGER, else $SYSTEMD_PAGER, else $PAGER, else less, else more ("cat" or ""
 * as the pager: none), with LESS=FRSXMK unless LESS is set. Never when stdout is not a
 * terminal. */

enum pager_mode {
        PAGER_NEVER,            /* short messages (rebalance, set-policy, …) */
        PAGER_IF_LONG,          /* only when it does not fit on the terminal */
        PAGER_ALWAYS,           /* tables and JSON: less -F still quits on one screen */
};

/* What goes to stdout while a verb runs is collected, so that errors on stderr never
 * end up inside the pager and the pager starts only when there is something to show. */
struct pager {
        enum pager_mode mode;
        FILE *real_stdout;      /* NULL when not collecting */
        FILE *buf;
        char *data;
        size_t len;
};

/* Starts collecting stdout when MODE is not PAGER_NEVER and stdout is a terminal.
 * Returns 1 when collecting, 0 when output goes straight to stdout, or -errno (then
 * output goes straight to stdout too). */
int pager_begin(struct pager *p, enum pager_mode mode);

/* Shows what was collected, through the pager if the mode asks for it and one is
 * configured, else directly; waits for the pager to exit. The user quitting the pager
 * early is not an error. 0 or -errno. */
int pager_end(struct pager *p);

/* The rows OUTPUT takes on a terminal COLUMNS wide (long lines wrap). */
size_t pager_rows(const char *output, size_t len, unsigned columns);
