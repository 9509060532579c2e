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
 * Limits: an IRQ that moved during the window is attributed to the CPU it is on at the
 * end; softirq time includes work not caused by any device IRQ (timers, RCU, the
 * scheduler), which the caller should leave out where /proc/softirqs allows; threaded
 * handlers and work handed to other CPUs (RPS/RFS) are not seen at all.
 */
#include <math.h>
#include <stddef.h>

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

void load_estimate(struct irq *irqs, size_t n, const struct cpu_irq_time *times,
                   size_t n_times, double window)
{
        double weight_on[n_times ? n_times : 1];

        for (size_t i = 0; i < n; i++)
                irqs[i].load = irqs[i].rate * load_cost_per_interrupt(irqs[i].class);
        if (n_times == 0 || window <= 0)
                return;

        /* Share each CPU's measured time by the model's weights. O(I log C). */
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
