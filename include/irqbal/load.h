/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "irqbal/irq.h"

/* How much of a CPU an IRQ costs, estimated from what the kernel tells every machine:
 * its rate. The model and its limits are documented in daemon/load.c. */

struct cpu_irq_time {
        unsigned cpu;
        double seconds;   /* irq + softirq time the CPU spent over the window */
};

/* Seconds of CPU one interrupt of this class costs (hard IRQ + its softirq work). */
double load_cost_per_interrupt(enum irq_class c);

/* What each device's interrupts cost, learnt from the kernel's IRQ time (load.c): one
 * cost per device (per IRQ for those without one), kept across inventories. */
struct load_costs {
        GHashTable *index;      /* device address or "irq N" → its index + 1 */
        double *cost;           /* seconds per interrupt; 0 until learnt */
        double *attributed;     /* per cycle: measured time shared to the device */
        double *modelled;       /* … and what its costs predicted */
        size_t n, cap;
        unsigned *group;        /* per IRQ of the inventory bound last */
        size_t n_irqs, group_cap;
};

void load_costs_init(struct load_costs *c);
void load_costs_done(struct load_costs *c);
/* Groups the N IRQS by device, for load_estimate(): at every new inventory (what was
 * learnt of devices seen before stays). 0 or -ENOMEM. */
int load_costs_bind(struct load_costs *c, const struct irq *irqs, size_t n);

/* Sets irq->load for each IRQ: rate × cost, the cost its device's learnt one (COSTS
 * bound to IRQS; may be NULL) or its class's. When TIMES (n_times CPUs) come from
 * kernels with IRQ time accounting, each CPU's measured time is shared among the IRQs
 * that ran on it in proportion to rate × cost instead, and COSTS learn from it.
 * WINDOW is the sample length. */
void load_estimate(struct irq *irqs, size_t n, struct load_costs *costs,
                   const struct cpu_irq_time *times, size_t n_times, double window);

/* The first measured windows after start: each IRQ's planned load is the mean of its
 * loads over windows 1 … WINDOW (this call's is window WINDOW), not one sample. Returns
 * N: every planned load is new. */
size_t load_settle(struct irq *irqs, size_t n, unsigned window);

/* Moves each IRQ's planned_load to its load only when they differ by more than the
 * dead band: a factor either way, and more than an absolute floor. Returns how many
 * planned loads it set: with none, a policy sees the same loads as last cycle. */
size_t load_update_planned(struct irq *irqs, size_t n);
