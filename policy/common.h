/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <hwloc.h>
#include <stdbool.h>
#include <stddef.h>

#include "irqbal/policy.h"

/* Helpers shared by the policies in this directory; not part of the policy interface. */

/* The built-in policies (policy/<name>.c), listed by policy/registry.c. */
extern const struct irqbal_policy policy_balanced;
extern const struct irqbal_policy policy_numa_local;
extern const struct irqbal_policy policy_pack;
extern const struct irqbal_policy policy_housekeeping;
extern const struct irqbal_policy policy_hint;

/* Loads compare equal within this: sums of the same loads in another order differ in
 * the last bits, and such a difference must not defeat a tie-break. */
#define LOAD_EPSILON 1e-9

/* Interrupt load per CPU and per physical core of one topology. CPUs are numbered by
 * their index in topology.cpus (not the kernel number); a CPU hwloc put in no core is
 * its own core, so that every CPU has a core slot. */
struct loadmap {
        const struct topology *topo;
        size_t n_slots;         /* core slots: n_cores + n_cpus */
        size_t *slot_of;        /* core slot of each CPU index */
        int *index_of;          /* CPU index of each kernel CPU number, -1 if unknown */
        size_t n_index_of;
        double *cpu;            /* load per CPU index */
        double *core;           /* load per core slot */
        hwloc_bitmap_t known;   /* every CPU the topology has */
};

int loadmap_init(struct loadmap *m, const struct topology *t);
void loadmap_done(struct loadmap *m);
/* The CPU index of kernel CPU OS, -1 if the topology has no such CPU. */
int loadmap_index(const struct loadmap *m, unsigned os);
static inline unsigned loadmap_os(const struct loadmap *m, size_t idx)
{
        return m->topo->cpus[idx].os_index;
}
/* Adds LOAD (negative: removes it) to CPU index IDX and its core. */
void loadmap_add(struct loadmap *m, size_t idx, double load);
/* Background LOAD split evenly over the CPUs of SET the topology knows: x86 delivers to
 * one CPU of a mask, and which one is not known in advance. */
void loadmap_add_spread(struct loadmap *m, hwloc_const_bitmap_t set, double load);
/* Background of every unmovable IRQ of IN, on its current CPUs. */
void loadmap_add_unmovable(struct loadmap *m, const struct policy_input *in);

/* Node index of each kernel node id: ids are small but can be sparse (0, 1, 2, 33 …),
 * and a direct table makes a lookup O(1) instead of a walk over the nodes. */
struct nodemap {
        int *index;             /* -1 where there is no node */
        size_t n;
};

int nodemap_init(struct nodemap *nm, const struct topology *t);
void nodemap_done(struct nodemap *nm);
/* The index into topology.nodes of node OS_INDEX, -1 if none. */
int nodemap_index(const struct nodemap *nm, int os_index);

/* A dense id per distinct device string (-1 for IRQs without a device), in O(I log I).
 * Returns the number of devices or -ENOMEM. */
int policy_device_ids(const struct policy_input *in, int **ret_ids);

/* Allocates one placement per movable IRQ of IN, in IRQ order, with its number set. */
int policy_plan_movable(const struct policy_input *in, struct plan *ret);

/* The trailing decimal number of an action name ("eth0-TxRx-3" → 3), -1 if none: the
 * queue number drivers put there. */
long policy_queue_number(const char *name);

/* Formats a set as a cpulist into BUF ("" if it does not fit). */
const char *policy_cpulist(hwloc_const_bitmap_t set, char *buf, size_t size);

/* What balanced does, for the movable IRQs whose FIXED entry is NULL: FIXED[i]
 * non-NULL makes IRQ i background load spread over that set (hint uses it for hinted
 * IRQs); FIXED itself may be NULL. Fills the placements of those IRQs in PLAN, which
 * policy_plan_movable() made. */
int policy_balance(const struct policy_input *in, const hwloc_const_bitmap_t *fixed,
                   struct plan *plan);
