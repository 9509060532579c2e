/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <hwloc.h>
#include <stdbool.h>
#include <stddef.h>

#include "irqbal/interrupts.h"
#include "irqbal/irq.h"
#include "irqbal/maskpool.h"
#include "irqbal/root.h"
#include "irqbal/topology.h"

struct irq_inventory {
        struct irq *irqs;   /* sorted by IRQ number, one per numbered row of /proc/interrupts */
        size_t n;
        /* The IRQs' affinity and effective sets: most are one CPU, shared by many
         * IRQs. The caller's pool (inventory_scan()), or the inventory's own. */
        struct mask_pool *masks;
        bool masks_shared;
        hwloc_bitmap_t scratch;     /* a mask read, before it goes to the pool */
        GStringChunk *strings;      /* the IRQs' strings, each distinct one once */
};

/* Builds the inventory from a parsed /proc/interrupts plus the files of
 * /sys/kernel/irq/N/, /proc/irq/N/ and the PCI devices' msi_irqs and irq files, all
 * under ROOT. The topology (may be NULL) gives PCI device locality. The masks go to
 * MASKS, which must outlive the inventory, or to a pool of its own (NULL). Per-IRQ
 * problems are logged and skip that IRQ's detail, never the whole inventory. */
int inventory_scan(const struct irqbal_root *root, const struct interrupts_table *table,
                   const struct topology *topo, struct mask_pool *masks,
                   struct irq_inventory *ret);
void inventory_done(struct irq_inventory *inv);

/* Re-reads every IRQ's affinity and effective affinity: two files per IRQ, for a
 * report on demand or after the online CPUs changed (a CPU going offline breaks masks,
 * DESIGN.md §4.7). */
void inventory_refresh_placement(const struct irqbal_root *root, struct irq_inventory *inv);

/* Re-reads the affinity of one IRQ of INV and returns whether it changed. Its effective
 * affinity is read again when EFFECTIVE (a move irqbald wrote, DESIGN.md §4.4) or when
 * the affinity changed: otherwise the kernel has no reason to have picked another CPU,
 * short of a CPU going offline, after which every IRQ is read with
 * inventory_refresh_placement(). */
bool inventory_refresh_irq(const struct irqbal_root *root, struct irq_inventory *inv,
                           struct irq *irq, bool effective);

/* IRQ (of INV) has the affinity SET: what irqbald wrote, not read again. 0 or -ENOMEM. */
int inventory_set_affinity(struct irq_inventory *inv, struct irq *irq, hwloc_const_bitmap_t set);

const struct irq *inventory_find(const struct irq_inventory *inv, unsigned number);
/* The same for a caller that looks IRQs up in increasing order, as plan_find_next(). */
const struct irq *inventory_find_next(const struct irq_inventory *inv, unsigned number, size_t *cursor);
