/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "irqbal/interrupts.h"
#include "irqbal/inventory.h"
#include "irqbal/root.h"
#include "irqbal/sample.h"
#include "irqbal/topology.h"

/* Turns /proc/interrupts read at two instants into an inventory with rates. Keeps the
 * previous table and the read buffer between samples. */
struct observer {
        const struct irqbal_root *root;
        const struct topology *topo;
        struct textbuf buf;
        struct interrupts_table prev;   /* the last table read */
        bool have_prev;
        struct irq_inventory inv;
        struct sample_result last;
        unsigned malformed_lines;       /* in the last table read */
};

void observer_init(struct observer *o, const struct irqbal_root *root, const struct topology *topo);
void observer_done(struct observer *o);

/* Reads the table now; the first call (and any after a rescan) also builds the
 * inventory. Rates are over the time since the previous call, SECONDS. */
int observer_read(struct observer *o, double seconds);
