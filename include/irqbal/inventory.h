/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

#include "irqbal/interrupts.h"
#include "irqbal/irq.h"
#include "irqbal/root.h"
#include "irqbal/topology.h"

struct irq_inventory {
        struct irq *irqs;   /* sorted by IRQ number, one per numbered row of /proc/interrupts */
        size_t n;
};

/* Builds the inventory from a parsed /proc/interrupts plus the files of
 * /sys/kernel/irq/N/, /proc/irq/N/ and the PCI devices' msi_irqs and irq files, all
 * under ROOT. The
 * topology (may be NULL) gives PCI device locality. Per-IRQ problems are logged and
 * skip that IRQ's detail, never the whole inventory. */
int inventory_scan(const struct irqbal_root *root, const struct interrupts_table *table,
                   const struct topology *topo, struct irq_inventory *ret);
void inventory_done(struct irq_inventory *inv);

/* Re-reads every IRQ's affinity and effective affinity: the kernel, an admin or a
 * tuning script may have changed them since the last cycle, and apply.c must compare
 * with what is there now. */
void inventory_refresh_placement(const struct irqbal_root *root, struct irq_inventory *inv);

const struct irq *inventory_find(const struct irq_inventory *inv, unsigned number);
