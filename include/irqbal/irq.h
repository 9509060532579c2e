/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <hwloc.h>
#include <stdbool.h>
#include <stdint.h>

/* What kind of device raises an IRQ; policies weigh and group by it. */
enum irq_class {
        IRQ_CLASS_OTHER,
        IRQ_CLASS_NET,
        IRQ_CLASS_STORAGE,
        IRQ_CLASS_GPU,
        IRQ_CLASS_SOUND,
        IRQ_CLASS_USB,
        IRQ_CLASS_LEGACY,   /* ISA/IO-APIC lines without a PCI device: timer, serial, ACPI */
        _IRQ_CLASS_MAX,
};

const char *irq_class_to_string(enum irq_class c);
int irq_class_from_string(const char *s);

/* One IRQ as the daemon sees it: identity, device, constraints and placement.
 *
 * What every cycle reads and writes for every IRQ comes first, together: a steady
 * cycle walks thousands of these after sleeping for seconds, with the caches cold,
 * and the fields it needs then fit in one cache line instead of three. */
struct irq {
        unsigned number;
        enum irq_class class;
        uint64_t count;     /* total interrupts at the last sample (sum over CPUs) */
        double rate;        /* interrupts per second over the last sample window */
        double load;        /* estimated share of one CPU it costs (see load.h) */
        double planned_load;/* the load policies see: follows `load` only past a dead band */
        bool has_planned_load;
        bool movable;
        bool has_effective;
        bool measuring;     /* held back until its load is measured (IRQ_MEASURING) */
        int node;           /* NUMA node of the device, -1 if none or unknown */

        double settle_mean; /* mean load over the first windows only (load_settle()) */

        /* Strings from the inventory (irq_inventory.strings): */
        const char *name;      /* action names as /proc/interrupts prints them ("" if none) */
        const char *chip;      /* irq chip ("PCI-MSIX-0000:00:02.0", "IO-APIC") */
        const char *hwirq;     /* hwirq and trigger ("1-edge"), NULL if not printed */
        const char *trigger;   /* "edge" or "level" from /sys/kernel/irq/N/type, or NULL */
        const char *device;    /* PCI address ("0000:00:02.0") or NULL */
        const char *driver;    /* bound driver ("virtio_net", "nvme") or NULL */
        const char *interface; /* network interface of the device ("eth0") or NULL */
        const char *unmovable_reason;  /* static string when !movable */
        char *balancing_note;          /* why irqbald leaves a movable IRQ alone this
                                        * cycle (refused, pinned by someone else …) */
        /* From the inventory's mask pool: shared, never written through a cast. */
        hwloc_const_bitmap_t affinity;   /* smp_affinity_list */
        hwloc_const_bitmap_t effective;  /* effective_affinity_list; empty if unknown */
        hwloc_bitmap_t hint;       /* affinity_hint; NULL when the driver set none */
};

void irq_done(struct irq *irq);
/* Its mask as a cpulist, with the CPU the kernel runs it on when the mask is wider
 * ("0-1 (on 0)"); malloc'd, NULL without memory. */
char *irq_placement_format(const struct irq *irq);

/* Why a movable IRQ is left where the kernel put it at start (irq.measuring): one
 * text for them all, not a note apiece (thousands of IRQs on a large machine). */
#define IRQ_MEASURING "its load is measured first; until then it stays where the kernel put it"

/* Movable, and not held back by irqbald this cycle. */
static inline bool irq_is_balanced(const struct irq *irq)
{
        return irq->movable && !irq->balancing_note && !irq->measuring;
}

/* Whether writing CPUS as its mask leaves IRQ on the CPU it runs on: that CPU (its
 * effective affinity) stays in the mask. x86's vector allocator then keeps the vector
 * where it is (assign_vector_locked()), so a write that narrows a wide mask to the CPU
 * the kernel chose moves nothing. Without an effective affinity it is a move. */
static inline bool irq_stays_on_its_cpu(const struct irq *irq, hwloc_const_bitmap_t cpus)
{
        return irq->has_effective && !hwloc_bitmap_iszero(irq->effective) &&
               hwloc_bitmap_isincluded(irq->effective, cpus);
}

/* Why irqbald does not balance it, or NULL. */
static inline const char *irq_unbalanced_reason(const struct irq *irq)
{
        if (!irq->movable)
                return irq->unmovable_reason;
        return irq->measuring ? IRQ_MEASURING : irq->balancing_note;
}
