/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/interrupts.h"
#include "irqbal/log.h"
#include "irqbal/procstat.h"

static bool is_blank(char c)
{
        return c == ' ' || c == '\t';
}

static bool at_eol(const char *p)
{
        while (is_blank(*p))
                p++;
        return *p == '\n' || *p == '\0';
}

static bool ends_word(char c)
{
        return is_blank(c) || c == '\n' || c == '\0';
}

static const char *next_line(const char *p)
{
        p = strchrnul(p, '\n');
        return *p ? p + 1 : p;
}

/* Whether the line at *P starts with the word WORD; moves *p past it. */
static bool skip_word(const char **p, const char *word)
{
        size_t n = strlen(word);

        if (strncmp(*p, word, n) != 0 || !ends_word((*p)[n]))
                return false;
        *p += n;
        return true;
}

/* Makes room for NEED elements of SIZE bytes in ARRAY, which has room for *CAP, by
 * doubling. Returns the array (ARRAY itself when it is big enough), or NULL with ARRAY
 * untouched. */
static void *grow(void *array, size_t *cap, size_t need, size_t size)
{
        size_t n = *cap ? *cap : 16;
        void *a;

        if (need <= *cap)
                return array;
        while (n < need)
                n *= 2;
        a = reallocarray(array, n, size);
        if (a)
                *cap = n;
        return a;
}

/* "cpuN user nice system idle [iowait irq softirq steal [guest guest_nice]]": kernels
 * before 2.6 print the first four only, and the fields missing here stay 0. */
static int parse_cpu(const char *p, struct procstat_cpu *ret)
{
        struct procstat_cpu c = {};
        uint64_t *fields[] = {
                &c.user, &c.nice, &c.system, &c.idle, &c.iowait, &c.irq, &c.softirq, &c.steal,
        };
        uint64_t n;
        size_t i;

        if (procfs_parse_uint(&p, UINT_MAX, &n) < 0 || !is_blank(*p))
                return -EINVAL;
        c.cpu = (unsigned) n;
        /* guest and guest_nice are already part of user and nice. */
        for (i = 0; i < ELEMENTSOF(fields) && !at_eol(p); i++)
                if (procfs_next_uint(&p, UINT64_MAX, fields[i]) < 0)
                        return -EINVAL;
        if (i < 4)
                return -EINVAL;
        *ret = c;
        return 0;
}

/* "intr TOTAL irq0 irq1 …", one slot per IRQ number up to nr_irqs. */
static int parse_intr(const char *p, struct procstat *st)
{
        size_t n = 0;

        if (procfs_next_uint(&p, UINT64_MAX, &st->intr_total) < 0)
                return -EINVAL;
        while (!at_eol(p)) {
                uint64_t *a = grow(st->intr, &st->intr_cap, n + 1, sizeof(*st->intr));

                if (!a)
                        return -ENOMEM;
                st->intr = a;
                if (procfs_next_uint(&p, UINT64_MAX, &st->intr[n]) < 0)
                        return -EINVAL;
                n++;
        }
        st->nintr = n;
        return 0;
}

int procstat_parse(const char *text, const char *origin, struct procstat *st)
{
        unsigned lineno = 0;

        st->intr_total = st->softirq_total = 0;
        st->nintr = st->ncpus = 0;
        st->has_intr = st->has_softirq = false;
        st->skipped_lines = 0;

        for (const char *p = text; *p; p = next_line(p)) {
                const char *q = p;
                int r;

                lineno++;
                if (strncmp(q, "cpu", 3) == 0 && q[3] >= '0' && q[3] <= '9') {
                        struct procstat_cpu *cpus;
                        struct procstat_cpu c;

                        if (parse_cpu(q + 3, &c) < 0) {
                                log_debug("%s:%u: skipping malformed line", origin, lineno);
                                st->skipped_lines++;
                                continue;
                        }
                        cpus = grow(st->cpus, &st->cpus_cap, st->ncpus + 1, sizeof(*st->cpus));
                        if (!cpus)
                                return -ENOMEM;
                        st->cpus = cpus;
                        st->cpus[st->ncpus++] = c;
                } else if (skip_word(&q, "intr")) {
                        r = parse_intr(q, st);
                        if (r == -ENOMEM)
                                return r;
                        st->has_intr = r == 0;
                        if (r < 0) {
                                log_debug("%s:%u: skipping malformed intr line", origin, lineno);
                                st->intr_total = 0;
                                st->nintr = 0;
                                st->skipped_lines++;
                        }
                } else if (skip_word(&q, "softirq")) {
                        /* Only the total is kept: /proc/softirqs has the per-CPU split. */
                        st->has_softirq = procfs_next_uint(&q, UINT64_MAX, &st->softirq_total) == 0;
                        if (!st->has_softirq) {
                                log_debug("%s:%u: skipping malformed softirq line", origin,
                                          lineno);
                                st->skipped_lines++;
                        }
                }
                /* The aggregate "cpu" line, ctxt, btime, processes …: not ours. */
        }
        return 0;
}

void procstat_done(struct procstat *st)
{
        free(st->intr);
        free(st->cpus);
        *st = (struct procstat) {};
}

bool procstat_has_irq_time(const struct procstat *st)
{
        for (size_t i = 0; i < st->ncpus; i++)
                if (st->cpus[i].irq != 0)
                        return true;
        return false;
}

/* One block for the rows of a per-CPU table starting at P (one row at most per line)
 * and, after them, NCOLS count slots of COUNT_SIZE bytes per row; free(*ret_rows).
 * /proc/softirqs has a dozen rows: sizing for every line is cheaper than growing. */
static int alloc_rows(const char *p, size_t row_size, size_t count_size, unsigned ncols,
                      void **ret_rows, void **ret_counts)
{
        size_t nlines = 1, slot;
        char *block;

        /* Neither the rows nor their counts may move while rows point into the block. */
        for (const char *nl = p; (nl = strchr(nl, '\n')); nl++)
                nlines++;
        slot = row_size + (size_t) ncols * count_size;
        if (nlines > SIZE_MAX / slot)
                return -ENOMEM;
        block = malloc(nlines * slot);
        if (!block)
                return -ENOMEM;
        *ret_rows = block;
        *ret_counts = block + nlines * row_size;
        return 0;
}

/* "        NET_RX:        512        596": a name, then one count per header column. */
static int parse_softirq_row(const char *p, unsigned ncols, uint64_t *counts, char **ret_name)
{
        const char *name, *colon;

        while (is_blank(*p))
                p++;
        if (at_eol(p))
                return 0;
        name = p;
        colon = p + strcspn(p, ": \t\n");
        if (*colon != ':' || colon == name)
                return -EINVAL;
        p = colon + 1;
        for (unsigned j = 0; j < ncols; j++)
                if (procfs_next_uint(&p, UINT64_MAX, &counts[j]) < 0)
                        return -EINVAL;
        if (!at_eol(p))
                return -EINVAL;
        *ret_name = strndup(name, (size_t) (colon - name));
        return *ret_name ? 1 : -ENOMEM;
}

int softirqs_parse(const char *text, const char *origin, struct softirqs_table *ret)
{
        struct softirqs_table t = {};
        const char *p = text;
        uint64_t *counts;
        unsigned lineno = 1;
        int r;

        *ret = (struct softirqs_table) {};
        r = procfs_parse_cpu_header(&p, &t.col_cpu, &t.ncols);
        if (r < 0)
                return r;

        r = alloc_rows(p, sizeof(struct softirq_row), sizeof(uint64_t), t.ncols,
                       (void **) &t.rows, (void **) &counts);
        if (r < 0)
                goto fail;

        for (; *p; p = next_line(p)) {
                struct softirq_row *row = &t.rows[t.nrows];

                lineno++;
                row->counts = counts + t.nrows * t.ncols;
                r = parse_softirq_row(p, t.ncols, row->counts, &row->name);
                if (r == -ENOMEM)
                        goto fail;
                if (r < 0) {
                        log_debug("%s:%u: skipping malformed line", origin, lineno);
                        t.skipped_lines++;
                }
                if (r > 0)
                        t.nrows++;
        }
        *ret = t;
        return 0;

fail:
        softirqs_table_done(&t);
        return r;
}

void softirqs_table_done(struct softirqs_table *t)
{
        for (size_t i = 0; i < t->nrows; i++)
                free(t->rows[i].name);
        free(t->rows);  /* the counts live in the same block */
        free(t->col_cpu);
        *t = (struct softirqs_table) {};
}
