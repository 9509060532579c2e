/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <hwloc.h>
#include <stdbool.h>
#include <stdint.h>

#include "irqbal/inventory.h"
#include "irqbal/maskpool.h"
#include "irqbal/policy.h"
#include "irqbal/root.h"

/* apply.c writes plans to the kernel and remembers, across cycles, what it wrote and
 * what the kernel said: it never decides a placement. One cycle is
 *
 *     apply_verify(a, inv, online);            fresh inventory: did last cycle's
 *                                              writes stick? someone else's pins?
 *     apply_may_balance(a, irq, &why);         per IRQ: leave it out of the policy?
 *     apply_full_cpus(a);                      CPUs to take out of every allowed set
 *     apply_plan(a, inv, &plan, &stats);       write what changed
 *
 * and apply_restore() on stop puts back the masks found before irqbald wrote them.
 * Before apply_verify(), the IRQs of apply_readback_irqs() must have their placement
 * read again: the inventory is not read whole every cycle. */

struct apply_config {
        /* Write nothing; apply_plan() only counts what would change. */
        bool dry_run;
        /* A mask someone else set after us (DESIGN §4.8) is left alone from then on;
         * off, it is overwritten at the next cycle. */
        bool respect_external_pins;
        /* Where the states' masks are kept: the caller's pool, which outlives the
         * state, so that its plans share each distinct set with apply's; NULL: a
         * pool of apply's own. */
        struct mask_pool *masks;
};

void apply_config_default(struct apply_config *c);

struct apply_stats {
        unsigned changed;   /* placements that differed from the kernel's mask */
        unsigned written;   /* of those, written successfully (0 in dry-run) */
        unsigned failed;    /* of those, refused by the kernel */
};

struct apply_counters {
        uint64_t moves;         /* successful affinity writes */
        uint64_t failed_moves;  /* refused writes and moves the kernel undid */
};

struct apply_state;

/* ROOT must outlive the state. */
int apply_state_new(const struct irqbal_root *root, const struct apply_config *config,
                    struct apply_state **ret);
void apply_state_free(struct apply_state *a);
/* A reload may change whether external pins are respected; nothing else changes. */
void apply_set_respect_external_pins(struct apply_state *a, bool respect);

/* Starts a cycle. INV is this cycle's inventory, ONLINE the online CPUs. Checks last
 * cycle's writes against the kernel: a move the kernel undid is a failed move and is
 * tried again; a mask broken by a CPU going offline is placed again; any other change
 * is an external pin. Forgets IRQs that are gone. */
int apply_verify(struct apply_state *a, const struct irq_inventory *inv,
                 hwloc_const_bitmap_t online);

/* apply_verify() for a cycle in which no placement in INV was read again but those of
 * apply_readback_irqs() (and INV is the same inventory): only those IRQs can show
 * anything new, so only they are looked at, not every IRQ irqbald ever wrote; while a
 * back-off runs, every IRQ is. */
int apply_verify_readback(struct apply_state *a, const struct irq_inventory *inv,
                          hwloc_const_bitmap_t online);

/* True when the last apply_verify() found nothing new and nothing is left to verify:
 * no move seen to happen, fail or be undone, no external pin or broken mask, no IRQ
 * gone, no back-off running or ending, no full CPUs given back, no write waiting to be
 * seen. apply_may_balance() and apply_full_cpus() then say what they said before it. */
bool apply_settled(const struct apply_state *a);

/* The IRQs whose affinity and effective affinity the next apply_verify() must see as
 * the kernel has them now, given INV's counts of this cycle: each one written, not yet
 * seen to take effect and interrupted since (its move has happened or failed now), or
 * found changed just before a write. An IRQ written and not interrupted since is not
 * listed: its affinity in INV becomes the mask the kernel took. *RET stays valid until
 * the next apply_verify() or apply_plan(). */
size_t apply_readback_irqs(struct apply_state *a, struct irq_inventory *inv,
                           const unsigned **ret);

/* Writes smp_affinity_list for each placement whose target differs from the
 * inventory's affinity (and default_smp_affinity), skipping IRQs that may not be
 * balanced. Each mask is read just before it is written: when it is no longer the
 * inventory's, the IRQ is not written and is listed for apply_verify() instead. Per-IRQ
 * failures are logged and classified, not returned: the return value is 0 or -ENOMEM.
 * RET_STATS may be NULL. */
int apply_plan(struct apply_state *a, const struct irq_inventory *inv, const struct plan *plan,
               struct apply_stats *ret_stats);

/* Writes back the original mask of every IRQ irqbald moved, unless the kernel refused
 * it, someone else pinned it since, or it is gone; and the original
 * default_smp_affinity. */
int apply_restore(struct apply_state *a);

/* False when IRQ must stay out of balancing this cycle: the kernel refused to move it,
 * someone else pinned it, or a transient error is backing off. *RET_REASON (may be
 * NULL) then says why, for the JSON; it stays valid until the next apply_verify() or
 * apply_plan(). */
bool apply_may_balance(const struct apply_state *a, unsigned irq, const char **ret_reason);

/* Why apply leaves an IRQ out of balancing, as a state for reports. */
enum apply_hold {
        APPLY_HOLD_NONE,        /* apply_may_balance() is true */
        APPLY_HOLD_REFUSED,     /* the kernel refused to move it (EPERM/EIO): for good */
        APPLY_HOLD_PINNED,      /* someone else set its mask */
        APPLY_HOLD_BACKING_OFF, /* a transient error; tried again later */
};
enum apply_hold apply_irq_hold(const struct apply_state *a, unsigned irq);

/* CPUs whose interrupt vectors were found full (a write answered ENOSPC), for every
 * IRQ: vectors are per CPU. The caller removes them from the allowed sets; they are
 * tried again some cycles later. NULL when none. Owned by A. */
hwloc_const_bitmap_t apply_full_cpus(const struct apply_state *a);

/* Per IRQ (zeros for an IRQ never written) and over all IRQs since the start. */
void apply_irq_counters(const struct apply_state *a, unsigned irq, struct apply_counters *ret);
void apply_total_counters(const struct apply_state *a, struct apply_counters *ret);
