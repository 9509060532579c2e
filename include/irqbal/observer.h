/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "irqbal/interrupts.h"
#include "irqbal/inventory.h"
#include "irqbal/procstat.h"
#include "irqbal/root.h"
#include "irqbal/sample.h"
#include "irqbal/topology.h"

/* Turns the kernel's interrupt counters, read at two instants, into an inventory with
 * rates. Steady-state cycles read only /proc/stat, whose `intr` line has every IRQ's
 * total (O(IRQs) to read); /proc/interrupts, whose size grows with IRQs × CPUs and which
 * the kernel builds under a lock per IRQ, is read only when the inventory is (re)built:
 * at start, and when /proc/stat shows an IRQ appearing, a counter going down or the
 * CPU set changing. A root without a usable /proc/stat falls back to reading
 * /proc/interrupts every time. Buffers are kept between samples. */
struct observer {
        const struct irqbal_root *root;
        const struct topology *topo;
        struct textbuf buf;             /* /proc/interrupts */
        struct interrupts_table prev;   /* the last table read (fallback path only) */
        bool have_prev;                 /* a previous sample exists */
        struct textbuf statbuf;         /* /proc/stat */
        struct procstat stat[2];        /* now and at the previous sample */
        unsigned stat_now;              /* index of "now" in stat[] */
        bool have_stat;                 /* stat[stat_now] holds a sample with intr */
        struct irq_inventory inv;
        struct sample_result last;
        unsigned malformed_lines;       /* in the last /proc/interrupts read */
        uint64_t full_reads;            /* /proc/interrupts reads since the start */
        uint64_t generation;            /* counts inventory rebuilds: what was derived
                                         * from an inventory is stale when it moves */
        bool rescan_requested;          /* rebuild at the next read (new topology) */
};

void observer_init(struct observer *o, const struct irqbal_root *root, const struct topology *topo);
void observer_done(struct observer *o);

/* Samples now; the first call (and any after a rescan) also builds the inventory.
 * Rates are over the time since the previous call, SECONDS. */
int observer_read(struct observer *o, double seconds);

/* /proc/stat as read by the last sample, or NULL (per-CPU IRQ time for the load model). */
const struct procstat *observer_stat(const struct observer *o);
const struct procstat *observer_prev_stat(const struct observer *o);
