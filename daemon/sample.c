/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "irqbal/macro.h"
#include "irqbal/sample.h"

static _printf_(2, 3) void flag_rescan(struct sample_result *res, const char *fmt, ...)
{
        va_list ap;

        /* The first reason is the one worth logging; later ones follow from it. */
        if (res->rescan)
                return;
        res->rescan = true;
        va_start(ap, fmt);
        vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
        va_end(ap);
}

static bool same_columns(const struct interrupts_table *a, const struct interrupts_table *b)
{
        return a->ncols == b->ncols &&
               memcmp(a->col_cpu, b->col_cpu, a->ncols * sizeof(unsigned)) == 0;
}

/* For each column of AFTER, the column of BEFORE with the same CPU, or -1. */
static void match_columns(const struct interrupts_table *before,
                          const struct interrupts_table *after, int *map)
{
        for (unsigned j = 0, i = 0; j < after->ncols; j++) {
                map[j] = -1;
                /* Both headers list CPUs in increasing order. */
                while (i < before->ncols && before->col_cpu[i] < after->col_cpu[j])
                        i++;
                if (i < before->ncols && before->col_cpu[i] == after->col_cpu[j])
                        map[j] = (int) i;
        }
}

void sample_rates(const struct interrupts_table *before, const struct interrupts_table *after,
                  double seconds, struct irq_inventory *inv, struct sample_result *ret)
{
        int map[after->ncols ? after->ncols : 1];
        struct sample_result res = {};

        if (!same_columns(before, after))
                flag_rescan(&res, "CPU columns changed: %u → %u", before->ncols, after->ncols);
        match_columns(before, after, map);
        if (before->nrows != after->nrows)
                flag_rescan(&res, "IRQ rows changed: %zu → %zu", before->nrows, after->nrows);

        for (size_t k = 0; k < inv->n; k++) {
                struct irq *irq = &inv->irqs[k];
                const struct interrupts_row *a = interrupts_find(after, irq->number);
                const struct interrupts_row *b = interrupts_find(before, irq->number);
                uint64_t delta = 0;

                irq->rate = 0;
                if (!a) {
                        flag_rescan(&res, "IRQ %u vanished", irq->number);
                        continue;
                }
                irq->count = a->total;
                if (!b) {
                        flag_rescan(&res, "IRQ %u appeared", irq->number);
                        continue;
                }
                for (unsigned j = 0; j < after->ncols; j++) {
                        if (map[j] < 0)
                                continue;
                        if (counter_went_down(b->counts[map[j]], a->counts[j])) {
                                flag_rescan(&res, "IRQ %u: counter of CPU %u went down",
                                            irq->number, after->col_cpu[j]);
                                delta = 0;
                                break;
                        }
                        delta += counter_delta32(b->counts[map[j]], a->counts[j]);
                }
                res.interrupts += delta;
                if (seconds > 0)
                        irq->rate = (double) delta / seconds;
        }
        for (size_t k = 0; k < after->nrows && !res.rescan; k++)
                if (!inventory_find(inv, after->rows[k].irq))
                        flag_rescan(&res, "IRQ %u appeared", after->rows[k].irq);
        *ret = res;
}
