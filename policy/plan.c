/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/macro.h"
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
        int r;

        if (!p->masks) {
                r = mask_pool_new(&p->masks);
                if (r < 0)
                        return r;
        }
        /* Reasons are a few dozen bytes each: blocks of 16 kB hold some 400. */
        if (!p->reasons)
                p->reasons = g_string_chunk_new(16384);
        /* The placements keep their storage from plan to plan: steady-state cycles must
         * not allocate per IRQ. */
        for (size_t i = 0; i < p->n; i++)
                (void) mask_pool_set(p->masks, &p->items[i].cpus, mask_pool_empty(p->masks));
        if (n > p->cap) {
                struct placement *items = realloc(p->items, n * sizeof(*items));

                if (!items)
                        return -ENOMEM;
                p->items = items;
                p->cap = n;
        }
        g_string_chunk_clear(p->reasons);
        memset(p->recent_reasons, 0, sizeof(p->recent_reasons));
        for (size_t i = 0; i < n; i++)
                p->items[i] = (struct placement) { .cpus = mask_pool_empty(p->masks), .reason = "" };
        p->n = n;
        hwloc_bitmap_free(p->default_affinity);
        p->default_affinity = NULL;
        return 0;
}

void plan_done(struct plan *p)
{
        struct mask_pool *shared = p->masks_shared ? p->masks : NULL;

        if (shared)
                for (size_t i = 0; i < p->n; i++)
                        (void) mask_pool_set(p->masks, &p->items[i].cpus, NULL);
        else
                mask_pool_free(p->masks);
        free(p->items);
        hwloc_bitmap_free(p->default_affinity);
        if (p->reasons)
                g_string_chunk_free(p->reasons);
        /* A shared pool stays: the plan may be used again, and the owner frees it. */
        *p = (struct plan) { .masks = shared, .masks_shared = shared != NULL };
}

void plan_share_masks(struct plan *p, struct mask_pool *pool)
{
        p->masks = pool;
        p->masks_shared = true;
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

const struct placement *plan_find_next(const struct plan *p, unsigned irq, size_t *cursor)
{
        while (*cursor < p->n && p->items[*cursor].irq < irq)
                (*cursor)++;
        return *cursor < p->n && p->items[*cursor].irq == irq ? &p->items[*cursor] : NULL;
}

int plan_set_cpus(struct plan *p, struct placement *pl, hwloc_const_bitmap_t set)
{
        return mask_pool_set(p->masks, &pl->cpus, set);
}

int plan_set_cpu(struct plan *p, struct placement *pl, unsigned cpu)
{
        return mask_pool_set_cpu(p->masks, &pl->cpus, cpu);
}

void plan_set_reason_text(struct plan *p, struct placement *pl, const char *text)
{
        size_t len = strnlen(text, PLACEMENT_REASON_MAX);
        uint32_t hash = 2166136261u;  /* FNV-1a */
        const char **recent;

        for (size_t i = 0; i < len; i++)
                hash = (hash ^ (unsigned char) text[i]) * 16777619u;
        recent = &p->recent_reasons[hash % ELEMENTSOF(p->recent_reasons)];
        if (*recent && strncmp(*recent, text, len) == 0 && (*recent)[len] == 0) {
                pl->reason = *recent;
                return;
        }
        pl->reason = *recent = g_string_chunk_insert_len(p->reasons, text, (gssize) len);
}

void plan_set_reason(struct plan *p, struct placement *pl, const char *format, ...)
{
        char text[PLACEMENT_REASON_MAX + 1];
        va_list ap;

        va_start(ap, format);
        (void) vsnprintf(text, sizeof(text), format, ap);
        va_end(ap);
        plan_set_reason_text(p, pl, text);
}
