/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <hwloc.h>
#include <stdbool.h>
#include <stddef.h>

#include "irqbal/irq.h"
#include "irqbal/maskpool.h"
#include "irqbal/topology.h"

/* A balancing policy is pure: from the topology, the IRQs with their loads and
 * constraints, and the previous placement, it decides a target for every movable IRQ.
 * No I/O, no clock, no globals: the same input gives the same plan. */

/* One IRQ as a policy sees it. Unmovable IRQs are included too: their load is fixed
 * background on the CPUs they run on. */
/* Ordered so that the small fields share words: 80 bytes, not 96 (one per IRQ). */
struct policy_irq {
        unsigned irq;
        enum irq_class class;
        int node;                /* device's NUMA node (kernel id), -1 if none */
        int previous;            /* the CPU the last plan gave it, -1 if none */
        bool movable;
        bool exclusive;          /* from policy files (Exclusive=): see .policy */
        /* Place it as a new IRQ: neither the previous plan's CPU nor where it runs now
         * is a choice worth keeping for itself (at the first plan on measured loads,
         * those were made without them; see manager.c). A policy that keeps IRQs where
         * they are (balanced) leaves such an IRQ there only when that CPU is as good
         * as the one it would choose. */
        bool place_afresh;
        /* The one CPU the kernel delivers it to now (its effective CPU), -1 if unknown
         * or several. Read for an IRQ never placed (current is then its mask): placed
         * as new, it stays there when that CPU is as good as the one chosen. */
        int runs_on;
        const char *name;        /* action name, for queue order ("eth0-TxRx-3") */
        const char *device;      /* PCI address or NULL: IRQs of one device are spread */
        double load;             /* estimated share of one CPU (0.25 = a quarter) */
        /* CPUs it may be placed on: usable CPUs minus CPUs whose vectors are full for
         * it (later also narrowed by policy files). Never empty for a movable IRQ: the
         * caller leaves an IRQ out of balancing (unmovable) instead. */
        hwloc_const_bitmap_t allowed;
        /* Where it runs now as placed: the effective CPU(s); the affinity when that is
         * unknown, and for a movable IRQ never placed (its mask spans several CPUs: the
         * kernel's pick inside it is no placement; runs_on says where that is). */
        hwloc_const_bitmap_t current;
        hwloc_const_bitmap_t hint;  /* driver's affinity_hint: NULL or empty when none */
        /* From policy files (Policy=, and Exclusive= above: no other movable IRQ may
         * share its CPUs): only policy_plan_composed() reads them; a policy's own
         * plan() ignores both. */
        const struct irqbal_policy *policy;  /* NULL = the policy of the whole plan */
};

struct policy_params {
        /* A move must cut the peak CPU load by at least this share of it (0.1 = 10 %)
         * or nothing moves: noise must never move anything. */
        double hysteresis;
        /* pack: gather while the total load is below pack_low (CPUs' worth), spread
         * again above pack_high. */
        double pack_low, pack_high;
        /* housekeeping: the CPUs that take every movable IRQ; NULL = usable CPUs
         * minus isolated ones. */
        hwloc_const_bitmap_t housekeeping;
};

void policy_params_default(struct policy_params *p);

struct policy_input {
        const struct topology *topo;
        const struct policy_irq *irqs;  /* sorted by IRQ number */
        size_t n;
        const struct policy_params *params;
};

/* The decision for one movable IRQ. Its set and its reason belong to the plan: set
 * them with plan_set_cpu(), plan_set_cpus() and plan_set_reason(). */
struct placement {
        unsigned irq;
        /* Target: one CPU, or a set (housekeeping, hint); the pool's empty set until
         * placed. Shared (see maskpool.h): never written through a cast. */
        hwloc_const_bitmap_t cpus;
        /* Short, for plan output and Explain: "least loaded core on node 1", "kept:
         * move would gain 3 %"; "" until set. */
        const char *reason;
};

/* A plan at 4 096 IRQs on 1 024 CPUs: a CPU set per placement would be 180 bytes and a
 * fixed-size reason 96, twice over (the plan in force and the next); the placements
 * share the distinct sets (a thousand-odd single CPUs) from a mask pool, and the
 * reasons are packed one after another at their own length. */
struct plan {
        struct placement *items; /* one per movable IRQ, sorted by IRQ number */
        size_t n;
        size_t cap;              /* placements allocated, kept from plan to plan */
        /* housekeeping: what /proc/irq/default_smp_affinity should be; NULL if the
         * policy has no opinion. */
        hwloc_bitmap_t default_affinity;
        struct mask_pool *masks; /* the placements' sets; plan_init() makes one unless
                                  * plan_share_masks() gave it the owner's */
        bool masks_shared;
        GStringChunk *reasons;
        /* Reasons repeat (a policy says the same of every IRQ it keeps with the same
         * margin, or places on the same node): the last text stored under each hash
         * slot is reused, so a repeated reason is stored once. */
        const char *recent_reasons[64];
};

/* Makes P hold N placements with empty CPU sets, reusing the storage of the plan P held
 * before (P must be zero-initialised or a plan). -ENOMEM leaves P a valid plan. */
int plan_init(struct plan *p, size_t n);
void plan_done(struct plan *p);
/* Before P's first plan_init(): its sets come from POOL, which outlives P (two plans
 * sharing a pool share every set they both hold). */
void plan_share_masks(struct plan *p, struct mask_pool *pool);
const struct placement *plan_find(const struct plan *p, unsigned irq);
/* The same for a caller that looks IRQs up in increasing order: *CURSOR (0 at the
 * start of the walk) keeps where the last one was, so that a walk over every IRQ is
 * one merge, O(n), not n binary searches. */
const struct placement *plan_find_next(const struct plan *p, unsigned irq, size_t *cursor);
/* PL (one of P's placements) goes to CPU / to SET (empty: unplaced). 0 or -ENOMEM. */
int plan_set_cpu(struct plan *p, struct placement *pl, unsigned cpu);
int plan_set_cpus(struct plan *p, struct placement *pl, hwloc_const_bitmap_t set);
/* PL's reason, formatted; text longer than PLACEMENT_REASON_MAX is cut. Identical texts
 * may share their storage. */
#define PLACEMENT_REASON_MAX 127
void plan_set_reason(struct plan *p, struct placement *pl, const char *format, ...)
        G_GNUC_PRINTF(3, 4);
void plan_set_reason_text(struct plan *p, struct placement *pl, const char *text);

struct irqbal_policy {
        const char *name;
        const char *description;   /* one line for --list-policies */
        int (*plan)(const struct policy_input *in, struct plan *ret);
};

/* policy/registry.c: the built-in policies, default first. */
extern const struct irqbal_policy *const irqbal_policies[];
const struct irqbal_policy *policy_find(const char *name);
const struct irqbal_policy *policy_default(void);

/* policy/compose.c: plans IN with DEFAULT_POLICY, honouring each IRQ's own policy and
 * Exclusive=: exclusive IRQs are placed first, one at a time, each on CPUs no other
 * movable IRQ gets; then each policy plans its IRQs with everything placed so far as
 * background load. Without per-IRQ policies or exclusive IRQs it is exactly
 * DEFAULT_POLICY->plan(). A movable IRQ left with no CPU has no placement in RET. */
int policy_plan_composed(const struct irqbal_policy *default_policy,
                         const struct policy_input *in, struct plan *ret);
