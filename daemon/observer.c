/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "irqbal/log.h"
#include "irqbal/observer.h"

#define PROC_INTERRUPTS "/proc/interrupts"
#define PROC_STAT "/proc/stat"

void observer_init(struct observer *o, const struct irqbal_root *root, const struct topology *topo,
                   struct mask_pool *masks)
{
        *o = (struct observer) { .root = root, .topo = topo, .masks = masks };
}

void observer_done(struct observer *o)
{
        textbuf_done(&o->buf);
        textbuf_done(&o->statbuf);
        if (o->stat_kept)
                close(o->stat_fd);
        interrupts_table_done(&o->prev);
        procstat_done(&o->stat[0]);
        procstat_done(&o->stat[1]);
        inventory_done(&o->inv);
        hwloc_bitmap_free(o->online_seen);
        *o = (struct observer) {};
}

const struct procstat *observer_stat(const struct observer *o)
{
        return o->have_stat ? &o->stat[o->stat_now] : NULL;
}

const struct procstat *observer_prev_stat(const struct observer *o)
{
        return o->have_stat && o->stat[!o->stat_now].has_intr ? &o->stat[!o->stat_now] : NULL;
}

static int read_table(struct observer *o, struct interrupts_table *ret)
{
        _cleanup_free_ char *path = root_path(o->root, PROC_INTERRUPTS);
        const char *name = path ? path : PROC_INTERRUPTS;
        _cleanup_close_ int fd = root_openat(o->root, PROC_INTERRUPTS, O_RDONLY);
        int r;

        o->full_reads++;
        if (fd < 0)
                return log_error_errno(fd, "Failed to read %s: %m", name);
        r = interrupts_read(fd, name, &o->buf, ret);
        /* The next full read is at a rescan, cycles away: its 64 kB go back until then. */
        textbuf_done(&o->buf);
        if (r == -EINVAL)
                return log_error_errno(r, "Failed to parse %s: no CPU header line.", name);
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", name);
        if (ret->skipped_lines)
                log_debug("%s: skipped %u malformed lines.", name, ret->skipped_lines);
        return 0;
}

static int rebuild_inventory(struct observer *o, const struct interrupts_table *table)
{
        struct irq_inventory inv;
        int r = inventory_scan(o->root, table, o->topo, o->masks, &inv);

        if (r < 0)
                return log_error_errno(r, "Failed to build the IRQ inventory: %m");
        /* IRQs that were there before keep what was measured and planned for them. */
        for (size_t i = 0; i < inv.n; i++) {
                const struct irq *old = inventory_find(&o->inv, inv.irqs[i].number);

                if (old) {
                        inv.irqs[i].rate = old->rate;
                        inv.irqs[i].planned_load = old->planned_load;
                        inv.irqs[i].has_planned_load = old->has_planned_load;
                        inv.irqs[i].settle_mean = old->settle_mean;
                }
        }
        inventory_done(&o->inv);
        o->inv = inv;
        o->generation++;
        o->rescan_requested = false;
        o->placement_fresh = true;
        return 0;
}

/* The fallback: two full /proc/interrupts tables per window. */
static int read_full(struct observer *o, double seconds)
{
        struct interrupts_table now;
        int r = read_table(o, &now);

        if (r < 0)
                return r;
        o->malformed_lines = now.skipped_lines;
        o->last = (struct sample_result) {};
        if (o->have_prev && o->prev.col_cpu) {
                sample_rates(&o->prev, &now, seconds, &o->inv, &o->last);
                if (o->last.rescan)
                        log_info("Rescanning IRQs: %s.", o->last.reason);
        }
        if (!o->inv.irqs || o->last.rescan || o->rescan_requested)
                r = rebuild_inventory(o, &now);
        interrupts_table_done(&o->prev);
        o->prev = now;
        return r;
}

static unsigned next_stat_slot(const struct observer *o)
{
        return o->have_stat ? !o->stat_now : o->stat_now;
}

/* /proc/stat's text into statbuf (see struct observer: stat_fd). */
static int read_proc_stat(struct observer *o)
{
        int r;

        if (!root_is_host(o->root))
                return root_read_buf(o->root, PROC_STAT, &o->statbuf);
        if (!o->stat_kept) {
                r = root_openat(o->root, PROC_STAT, O_RDONLY);
                if (r < 0)
                        return r;
                o->stat_fd = r;
                o->stat_kept = true;
        }
        r = textbuf_reread(o->stat_fd, &o->statbuf);
        if (r < 0 && r != -ENOMEM) {
                /* Opened afresh next cycle. */
                close(o->stat_fd);
                o->stat_kept = false;
        }
        return r;
}

/* Reads /proc/stat into the slot after "now"; false when it has no usable intr line. */
static bool fetch_stat(struct observer *o)
{
        unsigned next = next_stat_slot(o);
        int r = read_proc_stat(o);

        if (r >= 0)
                r = procstat_parse(o->statbuf.data, PROC_STAT, &o->stat[next]);
        if (r < 0 || !o->stat[next].has_intr) {
                if (o->have_stat || !o->have_prev)
                        log_debug_errno(r, "No usable intr line in %s, reading %s every cycle.",
                                        PROC_STAT, PROC_INTERRUPTS);
                return false;
        }
        return true;
}

void observer_read_counters(struct observer *o)
{
        o->fetched = fetch_stat(o) ? OBSERVER_FETCHED : OBSERVER_FETCH_FAILED;
}

/* Takes the /proc/stat sample read ahead (observer_read_counters), or reads one now. */
static bool read_stat(struct observer *o)
{
        bool usable = o->fetched == OBSERVER_NOT_FETCHED ? fetch_stat(o) : o->fetched == OBSERVER_FETCHED;

        o->fetched = OBSERVER_NOT_FETCHED;
        if (!usable) {
                o->have_stat = false;
                return false;
        }
        o->stat_now = next_stat_slot(o);
        o->have_stat = true;
        return true;
}

static _printf_(2, 3) void flag_rescan(struct observer *o, const char *fmt, ...)
{
        va_list ap;

        if (o->last.rescan)
                return;
        o->last.rescan = true;
        va_start(ap, fmt);
        vsnprintf(o->last.reason, sizeof(o->last.reason), fmt, ap);
        va_end(ap);
}

static bool same_cpus(const struct procstat *a, const struct procstat *b)
{
        if (a->ncpus != b->ncpus)
                return false;
        for (size_t i = 0; i < a->ncpus; i++)
                if (a->cpus[i].cpu != b->cpus[i].cpu)
                        return false;
        return true;
}

/* Rates from the per-IRQ totals of two /proc/stat samples. O(IRQ slots). */
static void rates_from_stat(struct observer *o, double seconds)
{
        const struct procstat *now = &o->stat[o->stat_now], *prev = &o->stat[!o->stat_now];

        if (!same_cpus(prev, now))
                flag_rescan(o, "CPUs changed: %zu → %zu online", prev->ncpus, now->ncpus);
        for (size_t k = 0; k < o->inv.n; k++) {
                struct irq *irq = &o->inv.irqs[k];
                uint32_t before, after;

                irq->rate = 0;
                if (irq->number >= now->nintr || irq->number >= prev->nintr)
                        continue;
                /* The kernel sums 32-bit per-CPU counters into 32 bits. */
                before = (uint32_t) prev->intr[irq->number];
                after = (uint32_t) now->intr[irq->number];
                irq->count = now->intr[irq->number];
                if (counter_went_down(before, after)) {
                        flag_rescan(o, "IRQ %u: counter went down", irq->number);
                        continue;
                }
                o->last.interrupts += counter_delta32(before, after);
                if (seconds > 0)
                        irq->rate = (double) counter_delta32(before, after) / seconds;
        }
        /* An IRQ that counts and is not in the inventory was requested since. The
         * inventory is sorted by number: walked beside the slots, not searched. */
        for (size_t i = 0, k = 0; i < now->nintr && !o->last.rescan; i++) {
                while (k < o->inv.n && o->inv.irqs[k].number < i)
                        k++;
                if (k < o->inv.n && o->inv.irqs[k].number == i)
                        continue;
                if (now->intr[i] && (i >= prev->nintr || now->intr[i] != prev->intr[i]))
                        flag_rescan(o, "IRQ %zu appeared", i);
        }
}

int observer_read(struct observer *o, double seconds)
{
        bool had_stat = o->have_stat;
        int r;

        if (!read_stat(o)) {
                r = read_full(o, seconds);
                if (r >= 0)
                        o->have_prev = true;
                return r;
        }
        o->last = (struct sample_result) {};
        if (had_stat && o->inv.irqs) {
                rates_from_stat(o, seconds);
                if (o->last.rescan)
                        log_info("Rescanning IRQs: %s.", o->last.reason);
        }
        /* A full read is needed to build the inventory: at the start, when the
         * counters show IRQs coming or going or CPUs changing, and after a reload
         * (new PCI locality). */
        if (!o->inv.irqs || o->last.rescan || o->rescan_requested) {
                struct interrupts_table table;

                r = read_table(o, &table);
                if (r < 0)
                        return r;
                o->malformed_lines = table.skipped_lines;
                r = rebuild_inventory(o, &table);
                interrupts_table_done(&table);
                if (r < 0)
                        return r;
        }
        o->have_prev = true;
        return 0;
}

/* Reads IRQ's placement again (see observer_refresh_placement); apply_verify() says
 * what a change means. */
static void refresh_irq(struct observer *o, struct irq *irq, bool effective)
{
        o->placement_reads++;
        (void) inventory_refresh_irq(o->root, &o->inv, irq, effective);
}

int observer_refresh_placement(struct observer *o, const unsigned *written, size_t n)
{
        bool online_changed = false;

        if (!o->online_seen && !(o->online_seen = hwloc_bitmap_alloc()))
                return -ENOMEM;
        /* Compared here rather than told by topology_refresh(): a reload replaces the
         * topology, and the first call only records it. */
        if (o->topo && !hwloc_bitmap_isequal(o->online_seen, o->topo->online)) {
                online_changed = true;
                hwloc_bitmap_copy(o->online_seen, o->topo->online);
        }
        if (o->placement_fresh) {
                o->placement_fresh = false;
                return 1;
        }
        if (online_changed) {
                inventory_refresh_placement(o->root, &o->inv);
                o->placement_reads += o->inv.n;
                return 1;
        }
        for (size_t i = 0; i < n; i++) {
                const struct irq *irq = inventory_find(&o->inv, written[i]);

                if (irq)
                        refresh_irq(o, &o->inv.irqs[irq - o->inv.irqs], true);
        }
        return 0;
}
