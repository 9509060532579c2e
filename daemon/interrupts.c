/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/interrupts.h"
#include "irqbal/log.h"

/* /proc/interrupts is read at start, on rescan and to verify moves, and is 700 KB on a
 * 128-CPU machine (DESIGN.md §4.10): one pass over the text, no regex, no per-field
 * allocation. */

static bool is_blank(char c)
{
        return c == ' ' || c == '\t';
}

static bool is_eol(char c)
{
        return c == '\n' || c == '\0';
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static const char *skip_blanks(const char *p)
{
        while (is_blank(*p))
                p++;
        return p;
}

static const char *token_end(const char *p)
{
        while (!is_blank(*p) && !is_eol(*p))
                p++;
        return p;
}

static const char *digits_end(const char *p)
{
        while (is_digit(*p))
                p++;
        return p;
}

static const char *next_line(const char *p)
{
        p = strchrnul(p, '\n');
        return *p ? p + 1 : p;
}

int procfs_parse_uint(const char **p, uint64_t max, uint64_t *ret)
{
        const char *s = *p;
        uint64_t v = 0;

        if (!is_digit(*s))
                return -EINVAL;
        for (; is_digit(*s); s++) {
                unsigned d = (unsigned) (*s - '0');

                if (v > (max - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *p = s;
        *ret = v;
        return 0;
}

int procfs_next_uint(const char **p, uint64_t max, uint64_t *ret)
{
        const char *s = skip_blanks(*p);
        uint64_t v;
        int r;

        r = procfs_parse_uint(&s, max, &v);
        if (r < 0)
                return r;
        if (!is_blank(*s) && !is_eol(*s))
                return -EINVAL;
        *p = s;
        *ret = v;
        return 0;
}

int procfs_parse_cpu_header(const char **p, unsigned **ret_cpus, unsigned *ret_ncols)
{
        const char *s = *p;
        /* Each column takes at least 4 bytes ("CPU0"). */
        _cleanup_free_ unsigned *cpus = calloc((size_t) (strchrnul(s, '\n') - s) / 4 + 1,
                                               sizeof(unsigned));
        unsigned n = 0;

        if (!cpus)
                return -ENOMEM;
        for (;;) {
                uint64_t cpu;

                s = skip_blanks(s);
                if (is_eol(*s))
                        break;
                if (strncmp(s, "CPU", 3) != 0)
                        return -EINVAL;
                s += 3;
                if (procfs_parse_uint(&s, UINT_MAX, &cpu) < 0 || (!is_blank(*s) && !is_eol(*s)))
                        return -EINVAL;
                /* for_each_online_cpu() walks CPUs upwards: anything else is not a header. */
                if (n > 0 && cpu <= cpus[n - 1])
                        return -EINVAL;
                cpus[n++] = (unsigned) cpu;
        }
        if (n == 0)
                return -EINVAL;
        *p = next_line(s);
        *ret_cpus = TAKE_PTR(cpus);
        *ret_ncols = n;
        return 0;
}

/* The hwirq field: "27", or with the flow handler's name, "1-edge", "512000-fasteoi".
 * Action names never look like that in practice; the old formats have no hwirq field. */
static bool is_hwirq(const char *p, const char *end)
{
        const char *d = digits_end(p);

        if (d == p)
                return false;
        return d == end || (*d == '-' && d + 1 < end);
}

static bool token_is(const char *p, const char *end, const char *word)
{
        size_t n = strlen(word);

        return (size_t) (end - p) == n && memcmp(p, word, n) == 0;
}

static char *put_string(char **dst, const char *src, const char *end)
{
        char *s = *dst;
        size_t n = (size_t) (end - src);

        memcpy(s, src, n);
        s[n] = '\0';
        *dst = s + n + 1;
        return s;
}

/* Parses the line at P. Returns 1 and fills *ROW (strings allocated, counts written to
 * COUNTS) for a numbered row, 0 for a line that is not one (an arch row, a blank line),
 * -EINVAL for a malformed line, -ENOMEM. */
static int parse_row(const char *p, unsigned ncols, uint32_t *counts, struct interrupts_row *row)
{
        const char *chip, *chip_end, *hwirq = NULL, *hwirq_end = NULL, *e;
        const char *actions, *actions_end;
        uint64_t irq, total = 0;
        char *s;

        p = skip_blanks(p);
        if (is_eol(*p))
                return 0;
        if (!is_digit(*p)) {
                /* NMI:, LOC:, ERR:, IPI0:, … depend on the architecture and kernel and
                 * some have a single column: recognise them by their label alone. */
                e = token_end(p);
                return e[-1] == ':' ? 0 : -EINVAL;
        }

        if (procfs_parse_uint(&p, UINT_MAX, &irq) < 0 || *p != ':')
                return -EINVAL;
        p++;
        for (unsigned j = 0; j < ncols; j++) {
                uint64_t v;

                /* Fewer numbers than columns: the line was cut short, or is garbage. */
                if (procfs_next_uint(&p, UINT32_MAX, &v) < 0)
                        return -EINVAL;
                counts[j] = (uint32_t) v;
                total += v;
        }

        /* The kernel always prints a chip name ("None", "-" without one). */
        chip = skip_blanks(p);
        chip_end = token_end(chip);
        if (chip == chip_end)
                return -EINVAL;
        /* A number where the chip belongs: more counts than the header has columns. */
        if (digits_end(chip) == chip_end)
                return -EINVAL;

        /* Chips without an IRQ domain (XT-PIC, the old formats) leave the hwirq blank. */
        p = skip_blanks(chip_end);
        e = token_end(p);
        if (is_hwirq(p, e)) {
                hwirq = p;
                hwirq_end = e;
                p = skip_blanks(e);
                e = token_end(p);
        }
        /* CONFIG_GENERIC_IRQ_SHOW_LEVEL (ARM) adds the trigger type: not an action. */
        if (token_is(p, e, "Level") || token_is(p, e, "Edge"))
                p = skip_blanks(e);

        actions = p;
        actions_end = strchrnul(p, '\n');
        while (actions_end > actions && is_blank(actions_end[-1]))
                actions_end--;

        s = malloc((size_t) (chip_end - chip) + 1 +
                   (hwirq ? (size_t) (hwirq_end - hwirq) + 1 : 0) +
                   (size_t) (actions_end - actions) + 1);
        if (!s)
                return -ENOMEM;
        *row = (struct interrupts_row) {
                .irq = (unsigned) irq,
                .counts = counts,
                .total = total,
        };
        row->chip = put_string(&s, chip, chip_end);
        if (hwirq)
                row->hwirq = put_string(&s, hwirq, hwirq_end);
        row->actions = put_string(&s, actions, actions_end);
        return 1;
}

/* Index of the first row whose IRQ is not below IRQ. */
static size_t lower_bound(const struct interrupts_table *t, unsigned irq)
{
        size_t lo = 0, hi = t->nrows;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (t->rows[mid].irq < irq)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

/* Adds ROW, keeping the rows sorted. The kernel prints IRQs in increasing order, so
 * the search and the move only happen for text that was not written by the kernel. */
static bool insert_row(struct interrupts_table *t, const struct interrupts_row *row)
{
        size_t pos = t->nrows;

        if (pos > 0 && row->irq <= t->rows[pos - 1].irq) {
                pos = lower_bound(t, row->irq);
                if (t->rows[pos].irq == row->irq)
                        return false;
                memmove(&t->rows[pos + 1], &t->rows[pos], (t->nrows - pos) * sizeof(*t->rows));
        }
        t->rows[pos] = *row;
        t->nrows++;
        return true;
}

int procfs_alloc_rows(const char *p, size_t row_size, size_t count_size, unsigned ncols,
                      void **ret_rows, void **ret_counts)
{
        size_t nlines = 1, slot;
        char *block;

        /* Each remaining line is at most one row: one block sized for all of them holds
         * the rows and their counts, so that neither moves while rows point into it. */
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

int interrupts_parse(const char *text, const char *origin, struct interrupts_table *ret)
{
        struct interrupts_table t = {};
        const char *p = text;
        uint32_t *counts;
        unsigned lineno = 1;
        int r;

        *ret = (struct interrupts_table) {};
        r = procfs_parse_cpu_header(&p, &t.col_cpu, &t.ncols);
        if (r < 0)
                return r;

        r = procfs_alloc_rows(p, sizeof(struct interrupts_row), sizeof(uint32_t), t.ncols,
                              (void **) &t.rows, (void **) &counts);
        if (r < 0)
                goto fail;

        for (; *p; p = next_line(p)) {
                /* Rows take the count slots in the order they are accepted: the next
                 * free one is always at nrows. */
                uint32_t *slot = counts + t.nrows * t.ncols;
                struct interrupts_row row;

                lineno++;
                r = parse_row(p, t.ncols, slot, &row);
                if (r == -ENOMEM)
                        goto fail;
                if (r == 0)
                        continue;
                if (r < 0) {
                        log_debug("%s:%u: skipping malformed line", origin, lineno);
                        t.skipped_lines++;
                        continue;
                }
                if (!insert_row(&t, &row)) {
                        log_debug("%s:%u: skipping second line for IRQ %u", origin, lineno,
                                  row.irq);
                        t.skipped_lines++;
                        free(row.chip);
                }
        }
        *ret = t;
        return 0;

fail:
        interrupts_table_done(&t);
        return r;
}

void interrupts_table_done(struct interrupts_table *t)
{
        for (size_t i = 0; i < t->nrows; i++)
                free(t->rows[i].chip);  /* hwirq and actions live in the same block */
        free(t->rows);                  /* and the counts in this one */
        free(t->col_cpu);
        *t = (struct interrupts_table) {};
}

static int cmp_row_irq(const void *key, const void *elem)
{
        unsigned k = *(const unsigned *) key, irq = ((const struct interrupts_row *) elem)->irq;

        return k < irq ? -1 : k > irq;
}

const struct interrupts_row *interrupts_find(const struct interrupts_table *t, unsigned irq)
{
        /* An empty table may have no rows array, and bsearch() wants one. */
        if (t->nrows == 0)
                return NULL;
        return bsearch(&irq, t->rows, t->nrows, sizeof(struct interrupts_row), cmp_row_irq);
}
