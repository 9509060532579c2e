/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parsed /proc/stat and /proc/softirqs (DESIGN.md §4.2). Pure: text in, structs out. */

struct procstat_cpu {
        unsigned cpu;  /* N of "cpuN" */
        /* USER_HZ ticks, as printed. irq and softirq stay 0 without
         * CONFIG_IRQ_TIME_ACCOUNTING: never assume time accounting exists. */
        uint64_t user, nice, system, idle, iowait, irq, softirq, steal;
};

struct procstat {
        uint64_t intr_total;        /* first number of the intr line */
        uint64_t *intr;             /* per-IRQ totals, indexed by IRQ number */
        size_t nintr;               /* slots on the intr line (nr_irqs) */
        struct procstat_cpu *cpus;  /* per-CPU lines, in file order */
        size_t ncpus;
        uint64_t softirq_total;     /* first number of the softirq line */
        bool has_intr, has_softirq;
        unsigned skipped_lines;
        size_t intr_cap, cpus_cap;  /* allocated slots, reused across parses */
};

/* Parses TEXT into *st, reusing st's arrays (zero-initialise st before the first
 * call), so that a steady-state cycle does not allocate. Lines other than cpu/cpuN,
 * intr and softirq are ignored; a malformed cpuN line is skipped and counted; a
 * missing or malformed intr line leaves has_intr false. Returns 0 or -errno (-ENOMEM). */
int procstat_parse(const char *text, const char *origin, struct procstat *st);
void procstat_done(struct procstat *st);
/* True when any CPU reports non-zero irq time (IRQ time accounting on). The softirq
 * field does not tell: the tick charges itself to softirq when it interrupts one, so it
 * is non-zero without CONFIG_IRQ_TIME_ACCOUNTING too. */
bool procstat_has_irq_time(const struct procstat *st);

struct softirq_row {
        char *name;         /* "NET_RX", "TIMER" … */
        uint64_t *counts;   /* one per column */
};

struct softirqs_table {
        unsigned ncols;
        unsigned *col_cpu;
        struct softirq_row *rows;
        size_t nrows;
        unsigned skipped_lines;
};

/* Parses TEXT like interrupts_parse(): the "CPU0 CPU1 …" header (possible CPUs) is
 * required (-EINVAL), a row with the wrong number of counts is skipped, counted and
 * logged as ORIGIN:LINE. *ret is overwritten; on error it is left empty. */
int softirqs_parse(const char *text, const char *origin, struct softirqs_table *ret);
void softirqs_table_done(struct softirqs_table *t);
