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

void sample_rates(const struct interrupts_table *before, const struct interrupts_table *after,
                  double seconds, struct irq_inventory *inv, struct sample_result *ret)
{
        struct sample_result res = {};
        /* A row's total sums the online CPUs' columns: with a CPU more or less, the two
         * totals are not over the same counters, and their difference is no rate. */
        bool comparable = same_columns(before, after);

        if (!comparable)
                flag_rescan(&res, "CPU columns changed: %u → %u", before->ncols, after->ncols);
        if (before->nrows != after->nrows)
                flag_rescan(&res, "IRQ rows changed: %zu → %zu", before->nrows, after->nrows);

        for (size_t k = 0; k < inv->n; k++) {
                struct irq *irq = &inv->irqs[k];
                const struct interrupts_row *a = interrupts_find(after, irq->number);
                const struct interrupts_row *b = interrupts_find(before, irq->number);
                uint32_t delta;

                if (!a) {
                        irq->rate = 0;
                        flag_rescan(&res, "IRQ %u vanished", irq->number);
                        continue;
                }
                irq->count = a->total;
                if (!b) {
                        irq->rate = 0;
                        flag_rescan(&res, "IRQ %u appeared", irq->number);
                        continue;
                }
                /* The rate of the last window stands until the rescan measures again. */
                if (!comparable)
                        continue;
                /* Per-CPU counters wrap modulo 2^32, so their sum does too: the difference
                 * of the sums modulo 2^32 is the sum of the differences. */
                delta = counter_delta32((uint32_t) b->total, (uint32_t) a->total);
                irq->rate = 0;
                if (counter_went_down((uint32_t) b->total, (uint32_t) a->total)) {
                        flag_rescan(&res, "IRQ %u: counter went down", irq->number);
                        continue;
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
