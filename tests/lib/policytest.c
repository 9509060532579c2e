/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>

#include "irqbal/cpuset.h"
#include "irqbal/root.h"
#include "policytest.h"
#include "testlib.h"

struct topology *pt_load_topology(const char *root_dir, const char *spec)
{
        struct topology_options opts = { .spec = spec };
        struct irqbal_root root;
        struct topology *t = NULL;

        ck_assert_int_eq(root_open(&root, root_dir), 0);
        ck_assert_int_eq(topology_load(&root, &opts, &t), 0);
        root_close(&root);
        return t;
}

struct topology *pt_synthetic(const char *spec, const char *isolated)
{
        char *dir = tl_mkdtemp();
        struct topology *t;

        if (isolated)
                tl_write(dir, "sys/devices/system/cpu/isolated", "%s\n", isolated);
        t = pt_load_topology(dir, spec);
        tl_rmtree(dir);
        free(dir);
        return t;
}

struct pt_irqs *pt_irqs_new(const struct topology *t, size_t max)
{
        struct pt_irqs *s = calloc(1, sizeof(*s));

        ck_assert_ptr_nonnull(s);
        ck_assert_uint_gt(max, 0);
        s->t = t;
        s->max = max;
        /* Zeroed, so that pt_irqs_free() may free bitmaps never allocated (NULL). */
        s->v = calloc(max, sizeof(*s->v));
        s->allowed = calloc(max, sizeof(*s->allowed));
        s->current = calloc(max, sizeof(*s->current));
        s->hint = calloc(max, sizeof(*s->hint));
        s->name = calloc(max, sizeof(*s->name));
        s->device = calloc(max, sizeof(*s->device));
        ck_assert(s->v && s->allowed && s->current && s->hint && s->name && s->device);
        policy_params_default(&s->params);
        return s;
}

void pt_irqs_free(struct pt_irqs *s)
{
        for (size_t i = 0; i < s->n; i++) {
                hwloc_bitmap_free(s->allowed[i]);
                hwloc_bitmap_free(s->current[i]);
                hwloc_bitmap_free(s->hint[i]);
        }
        free(s->v);
        free(s->allowed);
        free(s->current);
        free(s->hint);
        free(s->name);
        free(s->device);
        free(s);
}

struct policy_irq *pt_add(struct pt_irqs *s, unsigned irq, const char *device, const char *name,
                          int node, double load)
{
        size_t i = s->n;
        struct policy_irq *q;

        ck_assert_uint_lt(i, s->max);
        /* Policies expect their input sorted by IRQ number, as the inventory gives it. */
        ck_assert(i == 0 || s->v[i - 1].irq < irq);
        s->n++;
        q = &s->v[i];
        s->allowed[i] = hwloc_bitmap_dup(s->t->usable);
        s->current[i] = hwloc_bitmap_alloc();
        s->hint[i] = hwloc_bitmap_alloc();
        if (name)
                snprintf(s->name[i], sizeof(s->name[i]), "%s", name);
        else
                snprintf(s->name[i], sizeof(s->name[i]), "irq%u", irq);
        if (device)
                snprintf(s->device[i], sizeof(s->device[i]), "%s", device);
        *q = (struct policy_irq) {
                .irq = irq, .name = s->name[i], .device = device ? s->device[i] : NULL,
                .class = device ? IRQ_CLASS_NET : IRQ_CLASS_OTHER, .node = node,
                .load = load, .movable = true, .allowed = s->allowed[i],
                .current = s->current[i], .hint = s->hint[i], .previous = -1, .runs_on = -1,
        };
        return q;
}

size_t pt_index_of(const struct pt_irqs *s, unsigned irq)
{
        for (size_t i = 0; i < s->n; i++)
                if (s->v[i].irq == irq)
                        return i;
        ck_abort_msg("no IRQ %u", irq);
        return 0;
}

struct policy_input pt_input(const struct pt_irqs *s)
{
        return (struct policy_input) {
                .topo = s->t, .irqs = s->v, .n = s->n, .params = &s->params,
        };
}

void pt_set_list(hwloc_bitmap_t set, const char *list)
{
        ck_assert_int_eq(cpulist_parse(list, set), 0);
}

const struct irqbal_policy *pt_policy(const char *name)
{
        const struct irqbal_policy *p = policy_find(name);

        ck_assert_msg(p, "policy %s is missing", name);
        return p;
}

unsigned pt_target(const struct plan *p, unsigned irq)
{
        const struct placement *pl = plan_find(p, irq);

        ck_assert_msg(pl, "IRQ %u has no placement", irq);
        ck_assert_msg(hwloc_bitmap_weight(pl->cpus) == 1, "IRQ %u: a set, not one CPU", irq);
        return (unsigned) hwloc_bitmap_first(pl->cpus);
}
