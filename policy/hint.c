/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hint: follow the drivers' affinity hints. An IRQ whose hint intersects its allowed
 * CPUs gets that intersection as its target (the driver knows which queue serves which
 * CPU); every other movable IRQ is placed exactly as balanced places it, with the
 * hinted IRQs' loads as background spread over their targets.
 *
 * Complexity, for I IRQs, C CPUs, D devices: O(I·C/64) word operations for the
 * intersections (the input's own size), then balanced's (policy/balanced.c: O((I + C)·
 * log(I + C)) in the common case, never quadratic in I or C, D counted there). One
 * allocation besides balanced's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "irqbal/macro.h"
#include "common.h"

static int hint_plan(const struct policy_input *in, struct plan *ret)
{
        _cleanup_free_ hwloc_const_bitmap_t *fixed = NULL;
        hwloc_bitmap_t set = NULL;
        size_t k = 0;
        int r;

        r = policy_plan_movable(in, ret);
        if (r < 0)
                return r;
        fixed = calloc(in->n ? in->n : 1, sizeof(*fixed));
        set = hwloc_bitmap_alloc();
        r = fixed && set ? 0 : -ENOMEM;
        for (size_t i = 0; i < in->n && r >= 0; i++) {
                const struct policy_irq *q = &in->irqs[i];
                struct placement *p;
                char list[64];

                if (!q->movable)
                        continue;
                p = &ret->items[k++];
                if (!q->hint || !hwloc_bitmap_intersects(q->hint, q->allowed))
                        continue;
                hwloc_bitmap_and(set, q->hint, q->allowed);
                r = plan_set_cpus(ret, p, set);
                plan_set_reason(ret, p, "driver hint %s", policy_cpulist(set, list, sizeof(list)));
                /* The placement's set outlives policy_balance(): no copy needed. */
                fixed[i] = p->cpus;
        }
        hwloc_bitmap_free(set);
        if (r >= 0)
                r = policy_balance(in, fixed, ret);
        if (r < 0)
                plan_done(ret);
        return r;
}

const struct irqbal_policy policy_hint = {
        .name = "hint",
        .description = "follow the drivers' affinity hints, balance the IRQs without one",
        .plan = hint_plan,
};
