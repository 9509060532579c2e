/* SPDX-License-Identifier: GPL-2.0-or-later */
/* balanced: the default. Every movable IRQ stays on its device's NUMA node (allowed ∩
 * the node's CPUs; any allowed CPU when that is empty or the device has no node), and
 * the peak interrupt load of a CPU is kept low.
 *
 * Placing: longest processing time first. IRQs are taken heaviest first and each goes
 * to the eligible CPU with the smallest (CPU load + half its SMT siblings' load, IRQs
 * of the same device on the core, CPU load, IRQs of the same device on the CPU, CPU
 * number): idle physical cores fill before SMT siblings, and a device's queues spread
 * one per core even when their loads are all zero. Unmovable IRQs are background load
 * on their CPUs.
 *
 * Hysteresis: every IRQ starts where it is (the previous plan's CPU, else its current
 * CPU when that is a single one); IRQs that must move (no place yet, CPU not allowed
 * any more, off their node) are placed as above on top of the kept ones, so that one
 * cycle converges. Then CPUs are visited hottest first, and an IRQ leaves CPU A for
 * the CPU it would be placed on only when A is the most loaded CPU it may use and the
 * move cuts max(load A, load of the target) by at least params->hysteresis of load A;
 * rounds of visits repeat until one moves nothing, so the same loads next cycle move
 * nothing. The test is on the peak of each IRQ's own domain (its node) rather than of
 * the machine, so that an imbalance inside one node counts even when another node
 * holds the peak, and single moves replace a from-scratch plan, which would reshuffle
 * every IRQ for a gain of the size of the measurement noise.
 *
 * Complexity: O(I log I) for the sort, then O(I·E) for placing and for each round of
 * visits (plus O(C log C) to order the CPUs), where E is the number of CPUs an IRQ may
 * take: its node's CPUs for a device IRQ, every allowed CPU for IRQs without a node.
 * Rounds are capped at MAX_ROUNDS; a steady state needs one. Memory O(I + C). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "irqbal/macro.h"
#include "irqbal/topology.h"
#include "common.h"

enum origin {
        ORIGIN_NEW,        /* no previous placement to keep */
        ORIGIN_KEPT,       /* may stay where it is */
        ORIGIN_BANNED,     /* its CPU is not allowed any more */
        ORIGIN_OFF_NODE,   /* its CPU is outside its device's node */
};

struct bal_irq {
        size_t i;               /* index into the input */
        size_t slot;            /* index into the plan */
        int dev;                /* device id, -1 if none */
        hwloc_bitmap_t elig;    /* CPUs it may take (all known to the topology) */
        char scope[40];         /* where elig comes from, for the reason */
        enum origin origin;
        int old_cpu;            /* kernel number of where it was, -1 if nowhere */
        int keep;               /* CPU index it stays on (ORIGIN_KEPT), else -1 */
        int target;             /* CPU index it goes to */
        int from;               /* CPU index a rebalancing move took it from, else -1 */
        double gain;            /* what its best move would cut, for the reason */
        double moved_gain;      /* what its move cut, for the reason */
        size_t next, prev;      /* the IRQs of its target CPU, a list ending in NONE */
};

/* End of a per-CPU list of IRQs. */
#define NONE SIZE_MAX
/* Rounds of visits: each move cuts a CPU by a tenth, so a few rounds settle any shift
 * a cycle can bring; the cap only bounds a pathological input. */
#define MAX_ROUNDS 16

struct balancer {
        const struct policy_input *in;
        const hwloc_const_bitmap_t *fixed;
        struct loadmap m;
        struct devspread d;
        struct bal_irq *b;
        size_t n;
        size_t *lpt;            /* indexes into b, heaviest first */
        size_t *head;           /* per CPU index: first IRQ (index into b) or NONE */
        size_t *by_load;        /* CPU indexes, for ordering visits */
};

static const struct topo_node *find_node(const struct topology *t, int os_index)
{
        for (size_t k = 0; k < t->n_nodes; k++)
                if (t->nodes[k].os_index == os_index)
                        return &t->nodes[k];
        return NULL;
}

/* An SMT sibling's load counts half against a CPU: it shares the core's execution
 * units, so an idle physical core wins over a sibling of a busy one, yet a CPU is never
 * judged by its core alone, which would leave CPU loads uneven inside cores. */
#define SIBLING_WEIGHT 0.5

/* Is CPU index A a better choice than B for an IRQ of device DEV? */
static double effective(const struct loadmap *m, size_t idx)
{
        return m->cpu[idx] + SIBLING_WEIGHT * (m->core[m->slot_of[idx]] - m->cpu[idx]);
}

static bool better(const struct balancer *s, int dev, size_t a, size_t b)
{
        const struct loadmap *m = &s->m;
        double de = effective(m, a) - effective(m, b);
        double dp = m->cpu[a] - m->cpu[b];
        unsigned ca, cb;

        if (fabs(de) > LOAD_EPSILON)
                return de < 0;
        ca = devspread_core(&s->d, m, dev, a);
        cb = devspread_core(&s->d, m, dev, b);
        if (ca != cb)
                return ca < cb;
        if (fabs(dp) > LOAD_EPSILON)
                return dp < 0;
        return devspread_cpu(&s->d, m, dev, a) < devspread_cpu(&s->d, m, dev, b);
}

/* The best CPU index of ELIG; ties go to the lowest CPU number (ascending walk). */
static int pick(const struct balancer *s, int dev, hwloc_const_bitmap_t elig)
{
        int best = -1;
        unsigned os;

        hwloc_bitmap_foreach_begin(os, elig) {
                int idx = loadmap_index(&s->m, os);

                if (best < 0 || better(s, dev, (size_t) idx, (size_t) best))
                        best = idx;
        } hwloc_bitmap_foreach_end();
        return best;
}

static void link_irq(struct balancer *s, size_t k, size_t idx)
{
        struct bal_irq *b = &s->b[k];

        b->target = (int) idx;
        b->prev = NONE;
        b->next = s->head[idx];
        if (b->next != NONE)
                s->b[b->next].prev = k;
        s->head[idx] = k;
        loadmap_add(&s->m, idx, s->in->irqs[b->i].load);
        devspread_add(&s->d, &s->m, b->dev, idx, 1);
}

static void unlink_irq(struct balancer *s, size_t k)
{
        struct bal_irq *b = &s->b[k];
        size_t idx = (size_t) b->target;

        if (b->prev != NONE)
                s->b[b->prev].next = b->next;
        else
                s->head[idx] = b->next;
        if (b->next != NONE)
                s->b[b->next].prev = b->prev;
        loadmap_add(&s->m, idx, -s->in->irqs[b->i].load);
        devspread_add(&s->d, &s->m, b->dev, idx, -1);
}

/* Kept IRQs where they are, then the others heaviest first. */
static void place_all(struct balancer *s)
{
        const struct policy_input *in = s->in;

        loadmap_add_unmovable(&s->m, in);
        if (s->fixed)
                for (size_t i = 0; i < in->n; i++)
                        if (in->irqs[i].movable && s->fixed[i])
                                loadmap_add_spread(&s->m, s->fixed[i], in->irqs[i].load);
        for (size_t k = 0; k < s->n; k++)
                if (s->b[k].keep >= 0)
                        link_irq(s, k, (size_t) s->b[k].keep);
        for (size_t k = 0; k < s->n; k++) {
                size_t j = s->lpt[k];

                if (s->b[j].keep < 0)
                        link_irq(s, j, (size_t) pick(s, s->b[j].dev, s->b[j].elig));
        }
}

/* Is CPU index IDX the most loaded of ELIG? */
static bool hottest(const struct balancer *s, hwloc_const_bitmap_t elig, size_t idx)
{
        unsigned os;

        hwloc_bitmap_foreach_begin(os, elig) {
                if (s->m.cpu[loadmap_index(&s->m, os)] > s->m.cpu[idx] + LOAD_EPSILON)
                        return false;
        } hwloc_bitmap_foreach_end();
        return true;
}

/* The best move off CPU index A: the IRQ (index into b, NONE if none) whose move cuts
 * max(load A, load of its best CPU) the most, as a share of load A. Records each
 * IRQ's own best gain for its reason. */
static size_t best_move(struct balancer *s, size_t a, size_t *ret_to, double *ret_gain)
{
        double la = s->m.cpu[a], best_gain = 0;
        size_t best = NONE;

        for (size_t k = s->head[a]; k != NONE; k = s->b[k].next) {
                struct bal_irq *b = &s->b[k];
                double x = s->in->irqs[b->i].load, gain;
                /* Aimed like a first placement; any target that passes the test below
                 * lowers the sorted CPU loads, so moves cannot go round in circles. */
                size_t to = (size_t) pick(s, b->dev, b->elig);

                b->gain = 0;
                /* Only the peak of the IRQ's own domain (its node) is worth a move. */
                if (to == a || la <= LOAD_EPSILON || !hottest(s, b->elig, a))
                        continue;
                gain = (la - fmax(la - x, s->m.cpu[to] + x)) / la;
                b->gain = gain;
                /* Ties go to the lower IRQ: the list is not in IRQ order. */
                if (gain > best_gain + LOAD_EPSILON ||
                    (best != NONE && fabs(gain - best_gain) <= LOAD_EPSILON && b->i < s->b[best].i)) {
                        best_gain = gain;
                        best = k;
                        *ret_to = to;
                }
        }
        *ret_gain = best_gain;
        return best;
}

static int cmp_hotter(const void *x, const void *y, void *sp)
{
        const struct balancer *s = sp;
        size_t a = *(const size_t *) x, b = *(const size_t *) y;
        double d = s->m.cpu[a] - s->m.cpu[b];

        if (fabs(d) > LOAD_EPSILON)
                return d > 0 ? -1 : 1;
        return a < b ? -1 : a > b;
}

/* Visits CPUs hottest first, moving IRQs off each while a move is worth it. */
static void rebalance(struct balancer *s)
{
        double h = fmax(s->in->params->hysteresis, LOAD_EPSILON);
        size_t n_cpus = s->in->topo->n_cpus;

        for (unsigned round = 0; round < MAX_ROUNDS; round++) {
                bool moved = false;
                size_t n = 0;

                for (size_t c = 0; c < n_cpus; c++)
                        if (s->head[c] != NONE)
                                s->by_load[n++] = c;
                qsort_r(s->by_load, n, sizeof(*s->by_load), cmp_hotter, s);
                for (size_t j = 0; j < n; j++) {
                        size_t a = s->by_load[j], to = 0, k;
                        double gain;

                        while ((k = best_move(s, a, &to, &gain)) != NONE && gain >= h) {
                                unlink_irq(s, k);
                                link_irq(s, k, to);
                                if (s->b[k].from < 0)
                                        s->b[k].from = (int) a;
                                s->b[k].moved_gain = gain;
                                moved = true;
                        }
                }
                if (!moved)
                        break;
        }
}

static int cmp_lpt(const void *x, const void *y, void *sp)
{
        const struct balancer *s = sp;
        const struct bal_irq *a = &s->b[*(const size_t *) x], *b = &s->b[*(const size_t *) y];
        double la = s->in->irqs[a->i].load, lb = s->in->irqs[b->i].load;

        if (la != lb)
                return la > lb ? -1 : 1;
        /* The input is sorted by IRQ number, so its index orders by IRQ. */
        return a->i < b->i ? -1 : a->i > b->i;
}

/* Eligible CPUs and what may be kept, for input IRQ I. */
static int prepare(struct balancer *s, struct bal_irq *b, const int *devs)
{
        const struct policy_irq *q = &s->in->irqs[b->i];
        const struct topology *t = s->in->topo;
        const struct topo_node *node = q->node >= 0 ? find_node(t, q->node) : NULL;
        int cand = -1;

        b->dev = devs[b->i];
        b->keep = b->target = b->from = -1;
        b->old_cpu = -1;
        b->elig = hwloc_bitmap_alloc();
        if (!b->elig)
                return -ENOMEM;
        hwloc_bitmap_and(b->elig, q->allowed, s->m.known);
        if (hwloc_bitmap_iszero(b->elig))
                return -EINVAL;  /* the caller must leave such an IRQ unmovable */
        if (node && hwloc_bitmap_intersects(b->elig, node->cpus)) {
                hwloc_bitmap_and(b->elig, b->elig, node->cpus);
                snprintf(b->scope, sizeof(b->scope), "node %d (device)", q->node);
        } else if (q->node >= 0) {
                snprintf(b->scope, sizeof(b->scope), "node %d not allowed, any CPU", q->node);
        } else {
                snprintf(b->scope, sizeof(b->scope), "no device node, any CPU");
        }

        b->origin = ORIGIN_NEW;
        if (q->previous >= 0)
                cand = q->previous;
        else if (q->current && hwloc_bitmap_weight(q->current) == 1)
                cand = hwloc_bitmap_first(q->current);
        if (cand < 0)
                return 0;
        b->old_cpu = cand;
        if (!hwloc_bitmap_isset(q->allowed, (unsigned) cand) ||
            loadmap_index(&s->m, (unsigned) cand) < 0)
                b->origin = ORIGIN_BANNED;
        else if (!hwloc_bitmap_isset(b->elig, (unsigned) cand))
                b->origin = ORIGIN_OFF_NODE;
        else {
                b->origin = ORIGIN_KEPT;
                b->keep = loadmap_index(&s->m, (unsigned) cand);
        }
        return 0;
}

/* A share as a whole percentage, for reasons. */
static unsigned percent(double share)
{
        return (unsigned) lround(fmin(fmax(share, 0), 1) * 100);
}

static void write_reason(const struct balancer *s, const struct bal_irq *b, struct placement *p)
{
        const struct topology *t = s->in->topo;
        unsigned cpu = t->cpus[b->target].os_index;

        hwloc_bitmap_only(p->cpus, cpu);
        if (b->from >= 0)
                snprintf(p->reason, sizeof(p->reason),
                         "moved off CPU %u (-%u %%): %s, least loaded core",
                         t->cpus[b->from].os_index, percent(b->moved_gain), b->scope);
        else if (b->origin == ORIGIN_KEPT)
                snprintf(p->reason, sizeof(p->reason),
                         "kept on CPU %u: moving would gain %u %% < %u %%", cpu,
                         percent(b->gain), percent(s->in->params->hysteresis));
        else if (b->origin == ORIGIN_BANNED)
                snprintf(p->reason, sizeof(p->reason),
                         "CPU %d not allowed any more; %s, least loaded core",
                         b->old_cpu, b->scope);
        else if (b->origin == ORIGIN_OFF_NODE)
                snprintf(p->reason, sizeof(p->reason),
                         "CPU %d off its node; %s, least loaded core", b->old_cpu, b->scope);
        else
                snprintf(p->reason, sizeof(p->reason), "%s, least loaded core", b->scope);
}

static void balancer_done(struct balancer *s)
{
        for (size_t k = 0; k < s->n; k++)
                hwloc_bitmap_free(s->b[k].elig);
        free(s->b);
        free(s->lpt);
        free(s->head);
        free(s->by_load);
        devspread_done(&s->d);
        loadmap_done(&s->m);
}

int policy_balance(const struct policy_input *in, const hwloc_const_bitmap_t *fixed,
                   struct plan *plan)
{
        struct balancer s = { .in = in, .fixed = fixed };
        size_t n_cpus = in->topo->n_cpus ? in->topo->n_cpus : 1;
        _cleanup_free_ int *devs = NULL;
        size_t slot = 0;
        int r;

        r = loadmap_init(&s.m, in->topo);
        if (r < 0)
                return r;
        devspread_init(&s.d, &s.m);
        r = policy_device_ids(in, &devs);
        s.b = calloc(in->n ? in->n : 1, sizeof(*s.b));
        s.lpt = calloc(in->n ? in->n : 1, sizeof(*s.lpt));
        s.head = malloc(n_cpus * sizeof(*s.head));
        s.by_load = malloc(n_cpus * sizeof(*s.by_load));
        if (r < 0 || !s.b || !s.lpt || !s.head || !s.by_load) {
                r = -ENOMEM;
                goto finish;
        }
        for (size_t c = 0; c < n_cpus; c++)
                s.head[c] = NONE;
        for (size_t i = 0; i < in->n; i++) {
                struct bal_irq *b;

                if (!in->irqs[i].movable)
                        continue;
                if (!fixed || !fixed[i]) {
                        b = &s.b[s.n];
                        b->i = i;
                        b->slot = slot;
                        s.lpt[s.n] = s.n;
                        s.n++;
                        r = prepare(&s, b, devs);
                        if (r < 0)
                                goto finish;
                }
                slot++;
        }
        qsort_r(s.lpt, s.n, sizeof(*s.lpt), cmp_lpt, &s);

        place_all(&s);
        rebalance(&s);
        for (size_t k = 0; k < s.n; k++)
                write_reason(&s, &s.b[k], &plan->items[s.b[k].slot]);
        r = 0;
finish:
        balancer_done(&s);
        return r;
}

static int balanced_plan(const struct policy_input *in, struct plan *ret)
{
        int r;

        r = policy_plan_movable(in, ret);
        if (r < 0)
                return r;
        r = policy_balance(in, NULL, ret);
        if (r < 0)
                plan_done(ret);
        return r;
}

const struct irqbal_policy policy_balanced = {
        .name = "balanced",
        .description = "spread IRQs over the cores of their device's NUMA node, lowest peak load",
        .plan = balanced_plan,
};
