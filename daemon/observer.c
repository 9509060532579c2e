/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>

#include "irqbal/log.h"
#include "irqbal/observer.h"

#define PROC_INTERRUPTS "/proc/interrupts"

void observer_init(struct observer *o, const struct irqbal_root *root, const struct topology *topo)
{
        *o = (struct observer) { .root = root, .topo = topo };
}

void observer_done(struct observer *o)
{
        textbuf_done(&o->buf);
        if (o->have_prev)
                interrupts_table_done(&o->prev);
        inventory_done(&o->inv);
        *o = (struct observer) {};
}

static int read_table(struct observer *o, struct interrupts_table *ret)
{
        _cleanup_free_ char *path = root_path(o->root, PROC_INTERRUPTS);
        int r;

        r = root_read_buf(o->root, PROC_INTERRUPTS, &o->buf);
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", path ? path : PROC_INTERRUPTS);
        r = interrupts_parse(o->buf.data, path ? path : PROC_INTERRUPTS, ret);
        if (r < 0)
                return log_error_errno(r, "Failed to parse %s: no CPU header line.",
                                       path ? path : PROC_INTERRUPTS);
        if (ret->skipped_lines)
                log_debug("%s: skipped %u malformed lines.", path, ret->skipped_lines);
        return 0;
}

static int rebuild_inventory(struct observer *o, const struct interrupts_table *table)
{
        struct irq_inventory inv;
        int r = inventory_scan(o->root, table, o->topo, &inv);

        if (r < 0)
                return log_error_errno(r, "Failed to build the IRQ inventory: %m");
        /* IRQs that were there before keep what was measured and planned for them. */
        for (size_t i = 0; i < inv.n; i++) {
                const struct irq *old = inventory_find(&o->inv, inv.irqs[i].number);

                if (old) {
                        inv.irqs[i].rate = old->rate;
                        inv.irqs[i].planned_load = old->planned_load;
                        inv.irqs[i].has_planned_load = old->has_planned_load;
                }
        }
        inventory_done(&o->inv);
        o->inv = inv;
        return 0;
}

int observer_read(struct observer *o, double seconds)
{
        struct interrupts_table now;
        int r = read_table(o, &now);

        if (r < 0)
                return r;
        o->malformed_lines = now.skipped_lines;
        if (o->have_prev) {
                sample_rates(&o->prev, &now, seconds, &o->inv, &o->last);
                if (o->last.rescan)
                        log_info("Rescanning IRQs: %s.", o->last.reason);
        }
        if (!o->have_prev || o->last.rescan) {
                r = rebuild_inventory(o, &now);
                if (r < 0) {
                        interrupts_table_done(&now);
                        return r;
                }
        } else
                inventory_refresh_placement(o->root, &o->inv);
        if (o->have_prev)
                interrupts_table_done(&o->prev);
        o->prev = now;
        o->have_prev = true;
        return 0;
}
