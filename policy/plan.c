/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>

#include "irqbal/policy.h"

void policy_params_default(struct policy_params *p)
{
        *p = (struct policy_params) {
                /* Measured loads jitter by ±20 % between cycles; a 10 % bar on the peak
                 * keeps noise from moving anything while a real shift still moves. */
                .hysteresis = 0.10,
                /* Half a CPU of interrupt work fits in one core's spare time: gather
                 * below it; above one CPU's worth, gathering would delay interrupts. */
                .pack_low = 0.5,
                .pack_high = 1.0,
                .housekeeping = NULL,
        };
}

int plan_init(struct plan *p, size_t n)
{
        /* A plan made every cycle keeps its placements' storage: steady-state cycles
         * must not allocate per IRQ (the CPU sets are what costs). */
        if (n > p->cap) {
                struct placement *items = realloc(p->items, n * sizeof(*items));

                if (!items)
                        return -ENOMEM;
                p->items = items;
                for (; p->cap < n; p->cap++) {
                        p->items[p->cap] = (struct placement) { .cpus = hwloc_bitmap_alloc() };
                        if (!p->items[p->cap].cpus)
                                return -ENOMEM;
                }
        }
        for (size_t i = 0; i < n; i++) {
                hwloc_bitmap_zero(p->items[i].cpus);
                p->items[i].irq = 0;
                p->items[i].reason[0] = 0;
        }
        p->n = n;
        hwloc_bitmap_free(p->default_affinity);
        p->default_affinity = NULL;
        return 0;
}

void plan_done(struct plan *p)
{
        for (size_t i = 0; i < p->cap; i++)
                hwloc_bitmap_free(p->items[i].cpus);
        free(p->items);
        hwloc_bitmap_free(p->default_affinity);
        *p = (struct plan) {};
}

const struct placement *plan_find(const struct plan *p, unsigned irq)
{
        size_t lo = 0, hi = p->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (p->items[mid].irq == irq)
                        return &p->items[mid];
                if (p->items[mid].irq < irq)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}
