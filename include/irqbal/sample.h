/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "irqbal/interrupts.h"
#include "irqbal/inventory.h"

/* Interrupt counters are 32-bit per CPU in the kernel: deltas are taken modulo 2^32.
 * A step of more than 2^31 in one window cannot be real traffic (that is 2 billion
 * interrupts on one CPU): it means the counter went down, i.e. the IRQ was freed and
 * reallocated, so the inventory must be rebuilt. */
static inline uint32_t counter_delta32(uint32_t before, uint32_t after)
{
        return after - before;
}

static inline bool counter_went_down(uint32_t before, uint32_t after)
{
        return counter_delta32(before, after) > UINT32_MAX / 2;
}

struct sample_result {
        bool rescan;            /* the IRQ or CPU set changed: rebuild the inventory */
        char reason[128];       /* why, for the log ("CPU columns changed: 4 → 3") */
        uint64_t interrupts;    /* all interrupts counted in the window */
};

/* Sets each inventory IRQ's rate (interrupts/s over SECONDS) from the row totals of two
 * parses of /proc/interrupts taken SECONDS apart, and its count from AFTER. When the
 * CPU columns differ (a CPU went offline or came back) the totals are over different
 * counters: the rates stay as they were and a rescan is asked for. */
void sample_rates(const struct interrupts_table *before, const struct interrupts_table *after,
                  double seconds, struct irq_inventory *inv, struct sample_result *ret);
