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
 * /proc/interrupts every time. Buffers are kept between samples.
 *
 * Placements (/proc/irq/N/smp_affinity_list and effective_affinity_list, two files per
 * IRQ) are read with the inventory, and then per cycle only where they may have changed
 * (observer_refresh_placement). */
struct observer {
        const struct irqbal_root *root;
        const struct topology *topo;
        struct textbuf buf;             /* /proc/interrupts is read through it */
        struct interrupts_table prev;   /* the last table read (fallback path only) */
        bool have_prev;                 /* a previous sample exists */
        struct textbuf statbuf;         /* /proc/stat */
        /* The host's /proc/stat, kept open (stat_kept): each cycle reads it again from
         * offset 0, which makes the kernel generate it anew, without a path walk and a
         * seq_file buffer allocated and freed per cycle (it grows with CPUs and IRQs).
         * A fake root's files are opened each time: their writer replaces them (a
         * simulator renames each new version into place). */
        int stat_fd;
        bool stat_kept;
        struct procstat stat[2];        /* now and at the previous sample */
        unsigned stat_now;              /* index of "now" in stat[] */
        bool have_stat;                 /* stat[stat_now] holds a sample with intr */
        enum {
                OBSERVER_NOT_FETCHED,
                OBSERVER_FETCHED,       /* the next slot holds a sample read ahead */
                OBSERVER_FETCH_FAILED,  /* read ahead, and no usable intr line */
        } fetched;
        struct irq_inventory inv;
        struct mask_pool *masks;        /* for the inventory's sets; NULL: its own */
        struct sample_result last;
        unsigned malformed_lines;       /* in the last /proc/interrupts read */
        uint64_t full_reads;            /* /proc/interrupts reads since the start */
        uint64_t generation;            /* counts inventory rebuilds: what was derived
                                         * from an inventory is stale when it moves */
        bool rescan_requested;          /* rebuild at the next read (new topology) */

        bool placement_fresh;           /* read with the inventory, not refreshed since */
        hwloc_bitmap_t online_seen;     /* the online CPUs at the last placement refresh */
        uint64_t placement_reads;       /* IRQs whose placement was read since the start */
};

/* MASKS (may be NULL) keeps the inventory's sets; it must outlive the observer. */
void observer_init(struct observer *o, const struct irqbal_root *root, const struct topology *topo,
                   struct mask_pool *masks);
void observer_done(struct observer *o);

/* Samples now; the first call (and any after a rescan) also builds the inventory.
 * Rates are over the time since the previous call, SECONDS. */
int observer_read(struct observer *o, double seconds);
/* Reads /proc/stat now, for the next observer_read() to use instead of reading it
 * then: the caller can read its clock in between, after the counters. (A simulator
 * replaces its files one by one and its clock last: read before the counters, the
 * clock could be a step older than they are, and a rate double or half what it is.) */
void observer_read_counters(struct observer *o);

/* Brings the inventory's placements up to date for a cycle, without reading every IRQ:
 *  - all of them when the online CPUs changed (a CPU going offline breaks masks,
 *    DESIGN.md §4.7), and none when the inventory was read since the last call;
 *  - else only the IRQs of WRITTEN (N of them: moves irqbald wrote that an interrupt
 *    has carried out or undone since, apply_readback_irqs()), affinity and effective.
 * The placement of IRQs nobody writes does not change by itself, and steady cycles
 * read only /proc/stat (issue #8: reading even a slice of the masks each cycle cost
 * more than /proc/stat itself). Someone else's pin (DESIGN.md §4.8) is seen when
 * apply.c reads a mask before it writes it (so a pin is never overwritten), at every
 * rescan, and whenever a D-Bus client asks for the IRQs (manager_refresh_placement).
 * 1 when every placement is fresh (read with the inventory or again), 0 when only
 * those of WRITTEN were read, or -ENOMEM. */
int observer_refresh_placement(struct observer *o, const unsigned *written, size_t n);

/* /proc/stat as read by the last sample, or NULL (per-CPU IRQ time for the load model). */
const struct procstat *observer_stat(const struct observer *o);
const struct procstat *observer_prev_stat(const struct observer *o);
