/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Composition: one plan from several policies, for policy files that give an IRQ its
 * own Policy= or make it Exclusive=.
 *
 * Each policy stays unaware of the others: it is run on a copy of the input in which
 * only the IRQs it is to place are movable, and every other IRQ is background load
 * (movable = false) on the CPUs this call already planned for it, else on its current
 * CPUs. So the later runs see where the earlier ones put things.
 *
 *   1. Exclusive IRQs, one at a time in IRQ order, each by its own policy, allowed
 *      only on CPUs no earlier exclusive IRQ took; it gets one CPU (the first of a
 *      set a policy chose), which is reserved.
 *   2. The other movable IRQs grouped by policy, the default policy's group first and
 *      then the others in irqbal_policies[] order, each allowed only on unreserved
 *      CPUs. An IRQ with no unreserved allowed CPU gets no placement and stays where
 *      it is as background.
 *   3. The placements merged in IRQ order; a reason says which policy placed an IRQ
 *      when that is not the default, and that it is exclusive.
 *
 * Complexity: with E exclusive IRQs and G policies in use, E + G policy runs over all
 * I IRQs, plus O(I · C/64) bitmap work per run to build its input. Memory O(I) (a copy
 * of the input, a CPU set per planned IRQ and per narrowed allowed set), allocated per
 * call: this path runs only when rules use Policy= or Exclusive=; without them the
 * default policy plans alone, at its own cost. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "irqbal/macro.h"
#include "common.h"

struct composer {
        const struct irqbal_policy *def;
        const struct policy_input *in;
        struct policy_irq *v;           /* the input as the current run sees it */
        hwloc_bitmap_t *narrowed;       /* per IRQ: allowed minus reserved, when they meet */
        hwloc_bitmap_t *planned;        /* per IRQ: its CPUs from this call, NULL if none */
        bool *grouped;                  /* per IRQ: a group run has dealt with it */
        char (*reason)[PLACEMENT_REASON_MAX + 1]; /* per IRQ: its run's reason */
        hwloc_bitmap_t reserved;        /* CPUs of planned exclusive IRQs */
        hwloc_bitmap_t default_affinity;/* from the default policy's run, NULL if none */
        struct plan tmp;                /* one run's plan, its storage reused by the next */
};

static const struct irqbal_policy *effective_policy(const struct composer *c,
                                                    const struct policy_irq *q)
{
        return q->policy ? q->policy : c->def;
}

static bool needs_composing(const struct irqbal_policy *def, const struct policy_input *in)
{
        for (size_t i = 0; i < in->n; i++) {
                const struct policy_irq *q = &in->irqs[i];

                if (q->movable && (q->exclusive || (q->policy && q->policy != def)))
                        return true;
        }
        return false;
}

/* IRQ I's allowed CPUs minus the reserved ones (possibly empty). Shares the input's
 * set while nothing of it is reserved. */
static hwloc_const_bitmap_t narrow(struct composer *c, size_t i)
{
        hwloc_const_bitmap_t allowed = c->in->irqs[i].allowed;

        if (!hwloc_bitmap_intersects(allowed, c->reserved))
                return allowed;
        if (!c->narrowed[i]) {
                c->narrowed[i] = hwloc_bitmap_alloc();
                if (!c->narrowed[i])
                        return NULL;
        }
        hwloc_bitmap_andnot(c->narrowed[i], allowed, c->reserved);
        return c->narrowed[i];
}

/* Everything background: planned IRQs on their planned CPUs, the rest where they are. */
static void set_background(struct composer *c)
{
        const struct policy_input *in = c->in;

        for (size_t i = 0; i < in->n; i++) {
                c->v[i] = in->irqs[i];
                c->v[i].movable = false;
                if (c->planned[i])
                        c->v[i].current = c->planned[i];
        }
}

/* Runs POLICY on the copy and keeps the placements of its movable IRQs; the default
 * policy's group run also gives the plan's default affinity. */
static int run(struct composer *c, const struct irqbal_policy *policy, bool default_group)
{
        struct policy_input in = *c->in;
        int r;

        in.irqs = c->v;
        r = policy->plan(&in, &c->tmp);
        if (r < 0)
                return r;
        for (size_t i = 0; i < in.n; i++) {
                const struct placement *p;

                if (!c->v[i].movable)
                        continue;
                p = plan_find(&c->tmp, c->v[i].irq);
                /* A policy places every movable IRQ; should one not, or give it an
                 * empty set, the IRQ gets no placement rather than an invalid one. */
                if (!p || hwloc_bitmap_iszero(p->cpus))
                        continue;
                if (!c->planned[i]) {
                        c->planned[i] = hwloc_bitmap_alloc();
                        if (!c->planned[i])
                                return -ENOMEM;
                }
                hwloc_bitmap_copy(c->planned[i], p->cpus);
                g_strlcpy(c->reason[i], p->reason, sizeof(c->reason[i]));
        }
        if (default_group && c->tmp.default_affinity) {
                c->default_affinity = hwloc_bitmap_dup(c->tmp.default_affinity);
                if (!c->default_affinity)
                        return -ENOMEM;
        }
        return 0;
}

/* Exclusive IRQ I alone, on CPUs no earlier exclusive IRQ took; then its CPUs are
 * reserved. */
static int plan_exclusive(struct composer *c, size_t i)
{
        const struct policy_irq *q = &c->in->irqs[i];
        hwloc_const_bitmap_t allowed;
        int r;

        allowed = narrow(c, i);
        if (!allowed)
                return -ENOMEM;
        if (hwloc_bitmap_iszero(allowed))
                return 0;  /* earlier exclusive IRQs took all its CPUs: no placement */
        set_background(c);
        c->v[i].movable = true;
        c->v[i].allowed = allowed;
        r = run(c, effective_policy(c, q), false);
        if (r < 0)
                return r;
        if (!c->planned[i])
                return 0;
        /* A policy that places by sets (housekeeping, hint) would reserve its whole
         * set for one IRQ and starve every other: an exclusive IRQ gets one CPU, the
         * policy's first choice. */
        hwloc_bitmap_only(c->planned[i], hwloc_bitmap_first(c->planned[i]));
        hwloc_bitmap_or(c->reserved, c->reserved, c->planned[i]);
        return 0;
}

/* The non-exclusive movable IRQs of POLICY, on unreserved CPUs; marks them grouped.
 * With ALWAYS the policy runs even for no IRQ (the default policy: its default
 * affinity does not depend on having IRQs). */
static int plan_group(struct composer *c, const struct irqbal_policy *policy, bool always)
{
        const struct policy_input *in = c->in;
        size_t n = 0;

        set_background(c);
        for (size_t i = 0; i < in->n; i++) {
                const struct policy_irq *q = &in->irqs[i];
                hwloc_const_bitmap_t allowed;

                if (!q->movable || q->exclusive || c->grouped[i] ||
                    effective_policy(c, q) != policy)
                        continue;
                c->grouped[i] = true;
                allowed = narrow(c, i);
                if (!allowed)
                        return -ENOMEM;
                if (hwloc_bitmap_iszero(allowed))
                        continue;  /* every allowed CPU is exclusive: background */
                c->v[i].movable = true;
                c->v[i].allowed = allowed;
                n++;
        }
        if (n == 0 && !always)
                return 0;
        return run(c, policy, policy == c->def);
}

/* "numa-local: node 1 (device), …; exclusive": who placed it, when not the default. */
static void write_reason(const struct composer *c, size_t i, char *buf, size_t size)
{
        const struct policy_irq *q = &c->in->irqs[i];
        const struct irqbal_policy *policy = effective_policy(c, q);
        static const char excl[] = "; exclusive";
        size_t len = 0;

        buf[0] = 0;
        if (policy != c->def) {
                int w = snprintf(buf, size, "%s: ", policy->name);

                len = w > 0 && (size_t) w < size ? (size_t) w : 0;
                buf[len] = 0;
        }
        g_strlcpy(buf + len, c->reason[i], size - len);
        len = strlen(buf);
        if (q->exclusive && len + sizeof(excl) <= size)
                memcpy(buf + len, excl, sizeof(excl));
}

static int merge(struct composer *c, struct plan *ret)
{
        const struct policy_input *in = c->in;
        size_t n = 0, k = 0;
        int r;

        for (size_t i = 0; i < in->n; i++)
                n += !!c->planned[i];
        r = plan_init(ret, n);
        if (r < 0)
                return r;
        /* The input is sorted by IRQ number, so is the plan. */
        for (size_t i = 0; i < in->n; i++) {
                struct placement *p;
                char reason[PLACEMENT_REASON_MAX + 1];

                if (!c->planned[i])
                        continue;
                p = &ret->items[k++];
                p->irq = in->irqs[i].irq;
                r = plan_set_cpus(ret, p, c->planned[i]);
                if (r < 0)
                        return r;
                write_reason(c, i, reason, sizeof(reason));
                plan_set_reason_text(ret, p, reason);
        }
        ret->default_affinity = TAKE_PTR(c->default_affinity);
        return 0;
}

static void composer_done(struct composer *c)
{
        size_t n = c->in->n;

        for (size_t i = 0; i < n; i++) {
                if (c->narrowed)
                        hwloc_bitmap_free(c->narrowed[i]);
                if (c->planned)
                        hwloc_bitmap_free(c->planned[i]);
        }
        free(c->narrowed);
        free(c->planned);
        free(c->reason);
        free(c->grouped);
        free(c->v);
        hwloc_bitmap_free(c->reserved);
        hwloc_bitmap_free(c->default_affinity);
        plan_done(&c->tmp);
}

int policy_plan_composed(const struct irqbal_policy *default_policy,
                         const struct policy_input *in, struct plan *ret)
{
        struct composer c = { .def = default_policy, .in = in };
        size_t n = in->n ? in->n : 1;
        int r;

        if (!needs_composing(default_policy, in))
                return default_policy->plan(in, ret);

        c.v = malloc(n * sizeof(*c.v));
        c.narrowed = calloc(n, sizeof(*c.narrowed));
        c.planned = calloc(n, sizeof(*c.planned));
        c.reason = calloc(n, sizeof(*c.reason));
        c.grouped = calloc(n, sizeof(*c.grouped));
        c.reserved = hwloc_bitmap_alloc();
        if (!c.v || !c.narrowed || !c.planned || !c.reason || !c.grouped || !c.reserved) {
                r = -ENOMEM;
                goto finish;
        }

        for (size_t i = 0; i < in->n; i++)
                if (in->irqs[i].movable && in->irqs[i].exclusive) {
                        r = plan_exclusive(&c, i);
                        if (r < 0)
                                goto finish;
                }
        /* The default policy's group first, then the built-in policies in registry
         * order, then any other policy in the order its first IRQ comes. */
        r = plan_group(&c, default_policy, true);
        for (size_t k = 0; r >= 0 && irqbal_policies[k]; k++)
                if (irqbal_policies[k] != default_policy)
                        r = plan_group(&c, irqbal_policies[k], false);
        for (size_t i = 0; r >= 0 && i < in->n; i++)
                if (in->irqs[i].movable && !in->irqs[i].exclusive && !c.grouped[i])
                        r = plan_group(&c, effective_policy(&c, &in->irqs[i]), false);
        if (r < 0)
                goto finish;
        r = merge(&c, ret);
finish:
        composer_done(&c);
        if (r < 0)
                plan_done(ret);
        return r;
}
