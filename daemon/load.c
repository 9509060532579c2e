/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The load model: what share of a CPU each IRQ costs.
 *
 * Every kernel tells us each IRQ's rate (interrupts per second). What an interrupt costs
 * depends on the device: a NIC's interrupt starts NAPI polling that processes a batch
 * of packets in NET_RX softirq, an NVMe completion is a short handler plus block-layer
 * completion, a serial port's interrupt moves a byte. So the base estimate is
 *
 *     load = rate × cost(class)
 *
 * with the per-class costs below: rough figures for the hard IRQ plus the softirq work
 * it schedules on the same CPU, on a current x86 server. They are relative weights more
 * than measurements: balancing only compares IRQs, so a uniform error cancels out.
 *
 * Kernels built with CONFIG_IRQ_TIME_ACCOUNTING also tell how much time each CPU spent
 * in hard and soft IRQ context. When that is non-zero the caller passes it in, and each
 * CPU's measured time is shared among the IRQs that ran on it in proportion to their
 * rate × cost: the class costs then only decide the split, the total is real.
 *
 * The class costs are guesses; a device's real cost per interrupt can be half or twice
 * its class's (interrupt coalescing, GRO, the MTU, the driver). With IRQ time, each
 * device's cost is learnt: one CPU's time alone cannot tell a NIC queue's share from
 * a disk queue's beside it, but a device has IRQs on many CPUs, with other neighbours
 * on each. Each cycle, every device's cost is scaled by the time its IRQs were given
 * (shared as above) over what its cost predicted: an expectation-maximisation step. A
 * device alone on its CPUs gets its cost in one cycle; devices that share CPUs
 * converge over a few, as the shares settle. Each CPU's time is then split by real
 * costs, and a policy knows what moving an IRQ moves.
 *
 * Limits: an IRQ that moved during the window is attributed to the CPU it is on at the
 * end; softirq time includes work not caused by any device IRQ (timers, RCU, the
 * scheduler), which the caller should leave out where /proc/softirqs allows; threaded
 * handlers and work handed to other CPUs (RPS/RFS) are not seen at all.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/load.h"
#include "irqbal/log.h"

/* Measured rates of a steady IRQ wander by ±20 % from window to window (bursty traffic,
 * coalescing, the window's edges). Policies must not see that wander, or a greedy
 * balance with a few IRQs per CPU finds a "10 % better" layout every cycle. So the load
 * a policy sees moves only when the measurement leaves a band around it. Two samples of
 * the same ±20 % noise differ by a factor of at most 1.2 / 0.8 = 1.5, so a band of that
 * factor either way never lets noise through, while a real shift (an idle NIC getting
 * busy, a load doubling) gets out within a cycle or two. Differences below 1 % of a CPU
 * never decide a placement worth a move. */
#define DEAD_BAND_FACTOR 1.5
#define DEAD_BAND_FLOOR 0.01

/* Learning devices' costs (load_estimate()): steps per window until no cost moves by
 * more than EM_TOLERANCE. Measured times are whole ticks (10 ms), so a cost closer
 * than 0.1 % is as close as it gets; devices sharing every CPU with the same others
 * converge slowly and are stopped by EM_MAX_STEPS. */
#define EM_TOLERANCE 0.001
#define EM_MAX_STEPS 50
/* Seconds per interrupt. */
static const double class_cost[_IRQ_CLASS_MAX] = {
        [IRQ_CLASS_NET] = 5e-6,      /* NAPI poll of a packet batch in NET_RX */
        [IRQ_CLASS_STORAGE] = 3e-6,  /* completion plus block softirq */
        [IRQ_CLASS_GPU] = 2e-6,
        [IRQ_CLASS_SOUND] = 2e-6,
        [IRQ_CLASS_USB] = 2e-6,
        [IRQ_CLASS_LEGACY] = 1e-6,   /* timer, serial, ACPI: short handlers */
        [IRQ_CLASS_OTHER] = 1e-6,
};

double load_cost_per_interrupt(enum irq_class c)
{
        return c < _IRQ_CLASS_MAX ? class_cost[c] : class_cost[IRQ_CLASS_OTHER];
}

/* The CPU an IRQ ran on over the window: its effective CPU, else the first of its mask. */
static int cpu_of(const struct irq *irq)
{
        if (irq->has_effective && !hwloc_bitmap_iszero(irq->effective))
                return hwloc_bitmap_first(irq->effective);
        return hwloc_bitmap_first(irq->affinity);
}

static const struct cpu_irq_time *time_of(const struct cpu_irq_time *times, size_t n, int cpu)
{
        /* Callers pass CPUs in increasing order; a binary search keeps this O(log C). */
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;

                if ((int) times[mid].cpu < cpu)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo < n && (int) times[lo].cpu == cpu ? &times[lo] : NULL;
}

void load_costs_init(struct load_costs *c)
{
        *c = (struct load_costs) {};
}

void load_costs_done(struct load_costs *c)
{
        if (c->index)
                g_hash_table_destroy(c->index);
        free(c->cost);
        free(c->attributed);
        free(c->modelled);
        free(c->group);
        *c = (struct load_costs) {};
}

/* Grows the per-device arrays to CAP; false on ENOMEM. */
static bool reserve_groups(struct load_costs *c, size_t cap)
{
        double *cost = reallocarray(c->cost, cap, sizeof(double));

        if (!cost)
                return false;
        c->cost = cost;
        cost = reallocarray(c->attributed, cap, sizeof(double));
        if (!cost)
                return false;
        c->attributed = cost;
        cost = reallocarray(c->modelled, cap, sizeof(double));
        if (!cost)
                return false;
        c->modelled = cost;
        c->cap = cap;
        return true;
}

/* The index of KEY's group, new (cost unknown) if it had none; -ENOMEM. */
static int group_index(struct load_costs *c, const char *key)
{
        gpointer v = g_hash_table_lookup(c->index, key);
        char *own;

        if (v)
                return (int) (GPOINTER_TO_UINT(v) - 1);
        if (c->n == c->cap && !reserve_groups(c, c->cap ? 2 * c->cap : 64))
                return -ENOMEM;
        own = strdup(key);
        if (!own)
                return -ENOMEM;
        c->cost[c->n] = 0;
        c->attributed[c->n] = c->modelled[c->n] = 0;
        g_hash_table_insert(c->index, own, GUINT_TO_POINTER((unsigned) c->n + 1));
        return (int) c->n++;
}

int load_costs_bind(struct load_costs *c, const struct irq *irqs, size_t n)
{
        if (!c->index)
                c->index = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
        if (n > c->group_cap) {
                unsigned *g = reallocarray(c->group, n, sizeof(*g));

                if (!g)
                        return -ENOMEM;
                c->group = g;
                c->group_cap = n;
        }
        /* Unbound until every IRQ has its group: a failure leaves class costs. */
        c->n_irqs = 0;
        for (size_t i = 0; i < n; i++) {
                char key[32];
                int k;

                if (!irqs[i].device)
                        snprintf(key, sizeof(key), "irq %u", irqs[i].number);
                k = group_index(c, irqs[i].device ? irqs[i].device : key);
                if (k < 0)
                        return k;
                c->group[i] = (unsigned) k;
        }
        c->n_irqs = n;
        return 0;
}

/* Seconds per interrupt of IRQ I: its device's learnt cost, else its class's. */
static double cost_of(const struct load_costs *c, const struct irq *irqs, size_t i)
{
        double learnt = c ? c->cost[c->group[i]] : 0;

        return learnt > 0 ? learnt : load_cost_per_interrupt(irqs[i].class);
}

/* Each IRQ's load: rate × cost, or, on a CPU with measured time, its share of that
 * time by rate × cost. O(I) without times (every steady cycle on most kernels: no
 * look at where an IRQ runs), O(I log C) with. */
static void share_times(struct irq *irqs, size_t n, const struct load_costs *costs,
                        const struct cpu_irq_time *times, size_t n_times, double window)
{
        double weight_on[n_times ? n_times : 1];

        for (size_t i = 0; i < n; i++)
                irqs[i].load = irqs[i].rate * cost_of(costs, irqs, i);
        if (n_times == 0 || window <= 0)
                return;
        for (size_t c = 0; c < n_times; c++)
                weight_on[c] = 0;
        for (size_t i = 0; i < n; i++) {
                const struct cpu_irq_time *t = time_of(times, n_times, cpu_of(&irqs[i]));

                if (t)
                        weight_on[t - times] += irqs[i].load;
        }
        for (size_t i = 0; i < n; i++) {
                const struct cpu_irq_time *t = time_of(times, n_times, cpu_of(&irqs[i]));
                double w;

                if (!t || t->seconds <= 0)
                        continue;
                w = weight_on[t - times];
                if (w > 0)
                        irqs[i].load = t->seconds / window * irqs[i].load / w;
        }
}

/* One expectation-maximisation step (see the top): each device's cost scaled by the
 * time its IRQs were given over what its cost predicted. Only IRQs that interrupted
 * on a CPU with measured time teach anything. Returns the largest relative change of
 * a cost. O(I log C). */
static double learn_costs(struct load_costs *c, const struct irq *irqs, size_t n,
                          const struct cpu_irq_time *times, size_t n_times)
{
        double change = 0;

        for (size_t i = 0; i < n; i++) {
                double modelled = irqs[i].rate * cost_of(c, irqs, i);
                const struct cpu_irq_time *t = time_of(times, n_times, cpu_of(&irqs[i]));

                if (!t || t->seconds <= 0 || modelled <= 0)
                        continue;
                c->attributed[c->group[i]] += irqs[i].load;
                c->modelled[c->group[i]] += modelled;
        }
        /* Through the IRQs, not all groups ever seen: the first IRQ of a group sets its
         * cost and clears the sums. */
        for (size_t i = 0; i < n; i++) {
                unsigned g = c->group[i];
                double ratio;

                if (c->modelled[g] <= 0)
                        continue;
                ratio = c->attributed[g] / c->modelled[g];
                c->cost[g] = cost_of(c, irqs, i) * ratio;
                c->attributed[g] = c->modelled[g] = 0;
                change = fmax(change, fabs(ratio - 1));
        }
        return change;
}

void load_estimate(struct irq *irqs, size_t n, struct load_costs *costs,
                   const struct cpu_irq_time *times, size_t n_times, double window)
{
        /* Bound to another inventory (a rescan whose bind failed): class costs. */
        if (costs && costs->n_irqs != n)
                costs = NULL;
        if (n_times == 0 || window <= 0)
                n_times = 0;
        share_times(irqs, n, costs, times, n_times, window);
        if (!costs || n_times == 0)
                return;
        /* Steps on this window's times until the costs hold still: from the last
         * window's costs, a step or two; after a new device or a move, more. */
        for (unsigned step = 0; step < EM_MAX_STEPS; step++) {
                double change = learn_costs(costs, irqs, n, times, n_times);

                share_times(irqs, n, costs, times, n_times, window);
                if (change < EM_TOLERANCE)
                        break;
        }
}

size_t load_settle(struct irq *irqs, size_t n, unsigned window)
{
        for (size_t i = 0; i < n; i++) {
                struct irq *irq = &irqs[i];

                irq->settle_mean = window <= 1 ? irq->load :
                                   irq->settle_mean + (irq->load - irq->settle_mean) / window;
                irq->planned_load = irq->settle_mean;
                irq->has_planned_load = true;
        }
        return n;
}

size_t load_update_planned(struct irq *irqs, size_t n)
{
        size_t changed = 0;

        for (size_t i = 0; i < n; i++) {
                struct irq *irq = &irqs[i];
                double p = irq->planned_load, l = irq->load;
                bool outside = l > p * DEAD_BAND_FACTOR || l * DEAD_BAND_FACTOR < p;

                if (!irq->has_planned_load || (outside && fabs(l - p) > DEAD_BAND_FLOOR)) {
                        if (irq->has_planned_load)
                                log_debug("IRQ %u: load %.4g left its dead band around %.4g",
                                          irq->number, l, p);
                        irq->planned_load = irq->load;
                        irq->has_planned_load = true;
                        changed++;
                }
        }
        return changed;
}
