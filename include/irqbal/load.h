/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "irqbal/irq.h"

/* How much of a CPU an IRQ costs, estimated from what the kernel tells every machine:
 * its rate. The model and its limits are documented in daemon/load.c. */

struct cpu_irq_time {
        unsigned cpu;
        double seconds;   /* irq + softirq time the CPU spent over the window */
};

/* Seconds of CPU one interrupt of this class costs (hard IRQ + its softirq work). */
double load_cost_per_interrupt(enum irq_class c);

/* Sets irq->load for each IRQ: rate × class cost. When TIMES (n_times CPUs) come from
 * kernels with IRQ time accounting, each CPU's measured time is shared among the IRQs
 * that ran on it in proportion to rate × cost instead. WINDOW is the sample length. */
void load_estimate(struct irq *irqs, size_t n, const struct cpu_irq_time *times,
                   size_t n_times, double window);

/* Moves each IRQ's planned_load to its load only when they differ by more than the
 * dead band: a factor either way, and more than an absolute floor. Returns how many
 * planned loads it set: with none, a policy sees the same loads as last cycle. */
size_t load_update_planned(struct irq *irqs, size_t n);
