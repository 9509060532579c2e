/* SPDX-License-Identifier: GPL-2.0-or-later */
/* housekeeping: every movable IRQ goes to the housekeeping CPUs as a set, so that the
 * other CPUs (isolated, nohz_full, latency-critical work) never see one, and
 * /proc/irq/default_smp_affinity becomes that set for IRQs that appear later.
 *
 * The set is params->housekeeping ∩ usable CPUs, or the usable CPUs (which already
 * exclude isolated, nohz_full and banned CPUs). An IRQ whose allowed CPUs miss the set
 * entirely keeps its allowed CPUs: it must go somewhere.
 *
 * Complexity, for I IRQs, C CPUs, any number of devices: O(I·C/64) word operations,
 * one intersection per IRQ (the input's own size); no sorting, one allocation per
 * call. */
#include <errno.h>
#include <stdio.h>

#include "irqbal/topology.h"
#include "common.h"

static int housekeeping_plan(const struct policy_input *in, struct plan *ret)
{
        hwloc_bitmap_t set, mine;  /* the housekeeping CPUs; those of one IRQ */
        char list[64];
        size_t k = 0;
        int r;

        r = policy_plan_movable(in, ret);
        if (r < 0)
                return r;
        set = hwloc_bitmap_alloc();
        mine = hwloc_bitmap_alloc();
        if (!set || !mine) {
                hwloc_bitmap_free(set);
                hwloc_bitmap_free(mine);
                plan_done(ret);
                return -ENOMEM;
        }
        if (in->params->housekeeping)
                hwloc_bitmap_and(set, in->params->housekeeping, in->topo->usable);
        if (hwloc_bitmap_iszero(set))
                hwloc_bitmap_copy(set, in->topo->usable);
        policy_cpulist(set, list, sizeof(list));

        for (size_t i = 0; i < in->n; i++) {
                const struct policy_irq *q = &in->irqs[i];
                struct placement *p;

                if (!q->movable)
                        continue;
                p = &ret->items[k++];
                hwloc_bitmap_and(mine, set, q->allowed);
                if (!hwloc_bitmap_iszero(mine)) {
                        r = plan_set_cpus(ret, p, mine);
                        plan_set_reason(ret, p, "housekeeping CPUs %s", list);
                } else {
                        char allowed[48];

                        r = plan_set_cpus(ret, p, q->allowed);
                        plan_set_reason(ret, p, "no housekeeping CPU allowed, allowed CPUs %s",
                                        policy_cpulist(q->allowed, allowed, sizeof(allowed)));
                }
                if (r < 0)
                        break;
        }
        hwloc_bitmap_free(mine);
        if (r < 0) {
                hwloc_bitmap_free(set);
                plan_done(ret);
                return r;
        }
        ret->default_affinity = set;
        return 0;
}

const struct irqbal_policy policy_housekeeping = {
        .name = "housekeeping",
        .description = "every IRQ on the housekeeping CPUs, away from isolated ones",
        .plan = housekeeping_plan,
};
