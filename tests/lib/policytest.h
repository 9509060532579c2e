/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Machines and IRQ lists for the policy tests (test-policy.c, test-compose.c). Like the
 * rest of tests/lib, every helper checks with ck_assert and aborts the test on failure. */

#include <hwloc.h>
#include <stddef.h>

#include "irqbal/policy.h"
#include "irqbal/topology.h"

/* The topology of the capture or fake root ROOT_DIR; SPEC (may be NULL) as --topology. */
struct topology *pt_load_topology(const char *root_dir, const char *spec);
/* A synthetic machine; ISOLATED (may be NULL) is written as the kernel's isolated file. */
struct topology *pt_synthetic(const char *spec, const char *isolated);

/* The IRQs a test gives a policy: v[] is what policy_input.irqs points at, the other
 * arrays own what v[i]'s pointers point at, so tests may change a bitmap in place. */
struct pt_irqs {
        const struct topology *t;
        struct policy_irq *v;
        hwloc_bitmap_t *allowed, *current, *hint;
        char (*name)[32];
        char (*device)[32];
        size_t n;
        size_t max;             /* capacity, chosen at pt_irqs_new() */
        struct policy_params params;
};

/* Room for MAX IRQs on T (not owned), with the default policy parameters. */
struct pt_irqs *pt_irqs_new(const struct topology *t, size_t max);
void pt_irqs_free(struct pt_irqs *s);

/* A movable IRQ allowed on every usable CPU, nowhere yet; add IRQs in IRQ order.
 * DEVICE NULL = no device; NAME NULL = "irqN". */
struct policy_irq *pt_add(struct pt_irqs *s, unsigned irq, const char *device, const char *name,
                          int node, double load);
/* Where IRQ is in s->v; aborts the test if it is not there. */
size_t pt_index_of(const struct pt_irqs *s, unsigned irq);
/* The policy input over all of S's IRQs. */
struct policy_input pt_input(const struct pt_irqs *s);

/* Sets SET to the CPU list LIST ("0-3,8"). */
void pt_set_list(hwloc_bitmap_t set, const char *list);
/* The registered policy NAME. */
const struct irqbal_policy *pt_policy(const char *name);
/* The single CPU IRQ goes to in P. */
unsigned pt_target(const struct plan *p, unsigned irq);
