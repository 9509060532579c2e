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
 * CPU when that is a single one, unless the caller asks for it to be placed afresh:
 * then it is placed as new, but stays where it is if that CPU is as good as the one
 * chosen);
 * IRQs that must move (no place yet, CPU not allowed any more, off their node) are
 * placed as above on top of the kept ones (one never placed, its mask the kernel's,
 * stays on the CPU the kernel runs it on when that is as good, as one placed afresh),
 * so that one cycle converges. Then CPUs are visited hottest first, and an IRQ leaves
 * CPU A for the CPU it would be placed on only when A is the most loaded CPU it may use
 * and the move cuts max(load A, load of the target) by at least params->hysteresis of
 * load A; rounds of visits repeat until one moves nothing, so the same loads next cycle
 * move nothing. The test is on the peak of
 * each IRQ's own domain (its node) rather than of the machine, so that an imbalance
 * inside one node counts even when another node holds the peak, and single moves
 * replace a from-scratch plan, which would reshuffle every IRQ for a gain of the size of
 * the measurement noise (the caller asks for one from-scratch plan, when the first
 * loads are known: place_afresh).
 *
 * Finding the best CPU without a scan: the CPUs any IRQ may take get positions, node
 * after node, and a segment tree over the positions holds each range's best CPU in the
 * order above (device counts left out) and its highest CPU load. IRQs with the same
 * eligible CPUs share a class, kept as runs of positions (one run for a whole node);
 * a class's best or hottest CPU is the best of O(log C) tree nodes per run. The device
 * counts only break ties, but a device's queues need them: a device with more than
 * max(OWN_TREE_MIN, √I) IRQs gets a tree of its own, ordered with its counts; a smaller
 * one takes the best CPU of the shared tree outside the cores its IRQs occupy, and
 * compares that with those few cores' CPUs one by one. Either way the choice is the
 * scan's, ties included, as long as loads equal within LOAD_EPSILON do not form chains
 * wider than LOAD_EPSILON (sums of the same loads in another order never do).
 *
 * Complexity, for I IRQs, C CPUs, D devices, G ≤ min(D, √I) of them with a tree of
 * their own: O(I log I) to number the devices and to sort the IRQs to place; O(I·C/64)
 * word operations on CPU sets (the input's own size; IRQs in a row with the same
 * allowed CPUs and node share them); O(K·C) to lay out the K distinct eligible sets (K
 * is the number of nodes plus one on most machines); O(C·(1 + G)) to build the trees.
 * A placement costs O(R·log C), R the runs of its class (1 for a whole node), plus
 * O(√I·log C) for a device without its own tree (and O(√I) to compare the CPU of one
 * placed afresh with the choice); a load change O(log C) for each of
 * the at most 1 + G trees over the CPU. Rebalancing costs, per round, O(C log C) to
 * order the CPUs, O(I) gain tests, and one placement per group of IRQs (same class,
 * same device) on the hottest CPU of their class; a move re-tests the IRQs of the CPU
 * it left (a move takes at least params->hysteresis of that CPU's load off it, so one
 * visit moves O(log(load ÷ lightest IRQ) ÷ hysteresis) IRQs). Rounds are capped at
 * MAX_ROUNDS; a steady state needs one pass in CPU order, without the sort, and places
 * no IRQ from scratch. In all O((I + C)·log(I + C)) for common inputs and
 * O(I·√I·log C) at worst: no step is quadratic in I or C. Memory O(I + C·G); a fixed
 * number of allocations per call, plus O(log K) as the classes and groups grow (K of
 * them, doubling), none per IRQ. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/cpuset.h"
#include "irqbal/macro.h"
#include "irqbal/topology.h"
#include "common.h"

enum origin {
        ORIGIN_NEW,        /* no previous placement to keep */
        ORIGIN_KEPT,       /* may stay where it is */
        ORIGIN_BANNED,     /* its CPU is not allowed any more */
        ORIGIN_OFF_NODE,   /* its CPU is outside its device's node */
        ORIGIN_AFRESH,     /* placed as new, but stays if its CPU is as good */
};

/* Where an IRQ's eligible CPUs come from, for its reason. */
enum scope {
        SCOPE_NODE,             /* its device's node */
        SCOPE_NODE_NOT_ALLOWED, /* the device's node has no CPU it may use: any CPU */
        SCOPE_NO_NODE,          /* no device node: any CPU */
};

/* One per IRQ to balance: indexes are 32 bits and the enums a byte, so that it takes
 * 64 bytes, not 96. */
struct bal_irq {
        uint32_t i;             /* index into the input */
        uint32_t slot;          /* index into the plan */
        uint32_t cls;           /* its eligibility class */
        uint32_t group;         /* its (class, device) group */
        uint32_t next, prev;    /* the IRQs of its target CPU, a list ending in NONE */
        int dev;                /* device id, -1 if none */
        int old_cpu;            /* kernel number of where it was, -1 if nowhere */
        int keep;               /* CPU index it stays on (ORIGIN_KEPT), else -1 */
        int target;             /* CPU index it goes to, -1 while it has none */
        int from;               /* CPU index a rebalancing move took it from, else -1 */
        uint8_t scope;          /* enum scope */
        uint8_t origin;         /* enum origin */
        double gain;            /* what its best move would cut, for the reason */
        double moved_gain;      /* what its move cut, for the reason */
};

/* End of a per-CPU list of IRQs, and "no position": the largest 32-bit index, which
 * struct bal_irq's fields hold as they are and size_t variables compare equal to. */
#define NONE ((size_t) UINT32_MAX)
/* Rounds of visits: each move cuts a CPU by a tenth, so a few rounds settle any shift
 * a cycle can bring; the cap only bounds a pathological input. */
#define MAX_ROUNDS 16
/* A device with at most this many IRQs (or √I, if more) compares the few cores they
 * occupy one by one: cheaper than a tree of its own, which every load change in its
 * range must update. */
#define OWN_TREE_MIN 8

/* Tree positions [lo, hi), all eligible for a class. */
struct run {
        size_t lo, hi;
};

/* IRQs that may take the same CPUs. */
struct bal_class {
        size_t rep;             /* one of its IRQs (index into b) */
        uint64_t hash;          /* of its CPU set */
        size_t run, n_runs;     /* its runs in balancer.runs, in position order */
        unsigned long stamp;    /* visit (balancer.stamp) for which peak holds */
        double peak;            /* its highest CPU load during that visit */
};

/* IRQs of one device (or none) in one class: they all go to the same CPU. */
struct bal_group {
        size_t cls;
        int dev;
        unsigned long stamp;    /* visit for which to holds */
        size_t to;              /* CPU index placing one of them would choose */
};

/* A device's IRQs per core slot and per CPU index, which break ties between equally
 * loaded CPUs; NULL counts nothing. */
struct spread {
        const unsigned *core, *cpu;
};

/* A segment tree over positions [lo, lo + n): node k > 0 combines nodes 2k and 2k + 1,
 * leaves are nodes n to 2n - 1. */
struct tree {
        size_t lo, n;
        int *best;              /* a node's best position, -1 if none */
        double *peak;           /* a node's highest CPU load; the shared tree only */
        struct spread spread;   /* the order: with a device's counts, or none */
};

struct bal_dev {
        size_t first, n;        /* its IRQs: balancer.dev_irqs[first .. first + n) */
        unsigned *core, *cpu;   /* its IRQs per core slot and CPU; own tree only */
        struct tree tree;       /* its own tree (tree.best non-NULL) or none */
};

struct balancer {
        const struct policy_input *in;
        const hwloc_const_bitmap_t *fixed;
        struct loadmap m;
        struct bal_irq *b;
        size_t n;
        size_t *lpt;            /* indexes into b of the IRQs to place, heaviest first */
        size_t n_lpt;
        size_t *head;           /* per CPU index: first IRQ (index into b) or NONE */
        size_t *by_load;        /* CPU indexes, for ordering visits */
        struct nodemap nodes;
        hwloc_bitmap_t elig, other, used;  /* scratch sets; every eligible CPU */

        struct bal_class *classes;
        size_t n_classes;
        struct bal_group *groups;
        size_t n_groups;
        size_t *class_table, *group_table;  /* open addressing: id + 1, 0 = free */
        size_t table_mask;
        struct run *runs;
        size_t n_runs;

        size_t n_pos;           /* CPUs in some class, laid out node after node */
        size_t *pos_of;         /* per CPU index: its position, NONE if in no class */
        size_t *cpu_at;         /* per position: its CPU index */
        size_t *slot_first;     /* CPUs of core slot k: slot_cpus[slot_first[k] ..] */
        size_t *slot_cpus;

        struct bal_dev *devs;
        size_t n_devs;
        size_t *dev_irqs;       /* indexes into b, grouped by device */
        size_t *own;            /* devices with their own tree */
        size_t n_own;
        unsigned *counts;       /* storage of the own trees' device counts */
        int *tree_nodes;        /* storage of every tree's nodes */
        struct tree all;        /* every position, no device */
        bool built;             /* the trees follow every load change */

        unsigned *few_core, *few_cpu;  /* zero but inside pick_few() */
        size_t *excluded;       /* positions pick_few() leaves to itself */
        unsigned long stamp;    /* the current visit of a CPU */
};

/* An SMT sibling's load counts half against a CPU: it shares the core's execution
 * units, so an idle physical core wins over a sibling of a busy one, yet a CPU is never
 * judged by its core alone, which would leave CPU loads uneven inside cores. */
#define SIBLING_WEIGHT 0.5

static double effective(const struct loadmap *m, size_t idx)
{
        return m->cpu[idx] + SIBLING_WEIGHT * (m->core[m->slot_of[idx]] - m->cpu[idx]);
}

/* Is CPU index A a better choice than B for an IRQ of the device counted by SP? */
static bool better(const struct loadmap *m, const struct spread *sp, size_t a, size_t b)
{
        double de = effective(m, a) - effective(m, b);
        double dp = m->cpu[a] - m->cpu[b];

        if (fabs(de) > LOAD_EPSILON)
                return de < 0;
        if (sp->core && sp->core[m->slot_of[a]] != sp->core[m->slot_of[b]])
                return sp->core[m->slot_of[a]] < sp->core[m->slot_of[b]];
        if (fabs(dp) > LOAD_EPSILON)
                return dp < 0;
        return sp->cpu && sp->cpu[a] < sp->cpu[b];
}

/* The better of positions X and Y (-1: none); equal ones go to the lower CPU number,
 * as a scan in CPU order keeps the first of equals. */
static int combine(const struct balancer *s, const struct spread *sp, int x, int y)
{
        size_t a, b;

        if (x < 0 || y < 0)
                return x < 0 ? y : x;
        a = s->cpu_at[x];
        b = s->cpu_at[y];
        if (better(&s->m, sp, a, b))
                return x;
        if (better(&s->m, sp, b, a))
                return y;
        return a < b ? x : y;
}

static void tree_pull(const struct balancer *s, struct tree *t, size_t k)
{
        t->best[k] = combine(s, &t->spread, t->best[2 * k], t->best[2 * k + 1]);
        if (t->peak)
                t->peak[k] = fmax(t->peak[2 * k], t->peak[2 * k + 1]);
}

static void tree_build(const struct balancer *s, struct tree *t)
{
        for (size_t k = 0; k < t->n; k++) {
                t->best[t->n + k] = (int) (t->lo + k);
                if (t->peak)
                        t->peak[t->n + k] = s->m.cpu[s->cpu_at[t->lo + k]];
        }
        for (size_t k = t->n; k-- > 1;)
                tree_pull(s, t, k);
}

/* Position POS changed its loads or counts. */
static void tree_fix(const struct balancer *s, struct tree *t, size_t pos)
{
        size_t k = pos - t->lo + t->n;

        if (t->peak)
                t->peak[k] = s->m.cpu[s->cpu_at[pos]];
        for (k /= 2; k > 0; k /= 2)
                tree_pull(s, t, k);
}

/* The best position of [LO, HI) (inside the tree), or -1. */
static int tree_best(const struct balancer *s, const struct tree *t, size_t lo, size_t hi)
{
        int best = -1;

        for (lo += t->n - t->lo, hi += t->n - t->lo; lo < hi; lo /= 2, hi /= 2) {
                if (lo & 1)
                        best = combine(s, &t->spread, best, t->best[lo++]);
                if (hi & 1)
                        best = combine(s, &t->spread, best, t->best[--hi]);
        }
        return best;
}

/* The best position of a class's runs minus EXCLUDED (sorted), or -1. */
static int tree_best_of(const struct balancer *s, const struct tree *t, const struct bal_class *c,
                        const size_t *excluded, size_t n_excluded)
{
        size_t e = 0;
        int best = -1;

        for (size_t r = c->run; r < c->run + c->n_runs; r++) {
                size_t lo = s->runs[r].lo, hi = s->runs[r].hi;

                for (; e < n_excluded && excluded[e] < lo; e++)
                        ;
                for (; e < n_excluded && excluded[e] < hi; e++) {
                        best = combine(s, &t->spread, best, tree_best(s, t, lo, excluded[e]));
                        lo = excluded[e] + 1;
                }
                best = combine(s, &t->spread, best, tree_best(s, t, lo, hi));
        }
        return best;
}

/* The highest CPU load of class C. */
static double tree_peak_of(const struct balancer *s, const struct bal_class *c)
{
        const struct tree *t = &s->all;
        double peak = -HUGE_VAL;

        for (size_t r = c->run; r < c->run + c->n_runs; r++)
                for (size_t lo = s->runs[r].lo + t->n, hi = s->runs[r].hi + t->n; lo < hi;
                     lo /= 2, hi /= 2) {
                        if (lo & 1)
                                peak = fmax(peak, t->peak[lo++]);
                        if (hi & 1)
                                peak = fmax(peak, t->peak[--hi]);
                }
        return peak;
}

static bool in_class(const struct balancer *s, const struct bal_class *c, size_t pos)
{
        size_t lo = c->run, hi = c->run + c->n_runs;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (pos < s->runs[mid].lo)
                        hi = mid;
                else if (pos >= s->runs[mid].hi)
                        lo = mid + 1;
                else
                        return true;
        }
        return false;
}

static int cmp_size(const void *x, const void *y)
{
        size_t a = *(const size_t *) x, b = *(const size_t *) y;

        return a < b ? -1 : a > b;
}

/* pick() for a device without its own tree: the shared tree's best outside the cores
 * its IRQs occupy (there its counts are zero, so the shared order is its order), then
 * those cores' CPUs one by one with its counts. */
static size_t pick_few(struct balancer *s, const struct bal_irq *b)
{
        const struct bal_dev *d = &s->devs[b->dev];
        const struct bal_class *c = &s->classes[b->cls];
        const struct spread sp = { s->few_core, s->few_cpu };
        size_t n_ex = 0;
        int best;

        for (size_t j = d->first; j < d->first + d->n; j++) {
                const struct bal_irq *o = &s->b[s->dev_irqs[j]];
                size_t slot;

                if (o->target < 0)
                        continue;
                slot = s->m.slot_of[o->target];
                if (s->few_core[slot]++ == 0)
                        for (size_t x = s->slot_first[slot]; x < s->slot_first[slot + 1]; x++) {
                                size_t pos = s->pos_of[s->slot_cpus[x]];

                                if (pos != NONE && in_class(s, c, pos))
                                        s->excluded[n_ex++] = pos;
                        }
                s->few_cpu[o->target]++;
        }
        qsort(s->excluded, n_ex, sizeof(*s->excluded), cmp_size);
        best = tree_best_of(s, &s->all, c, s->excluded, n_ex);
        for (size_t e = 0; e < n_ex; e++)
                best = combine(s, &sp, best, (int) s->excluded[e]);

        for (size_t j = d->first; j < d->first + d->n; j++) {
                const struct bal_irq *o = &s->b[s->dev_irqs[j]];

                if (o->target >= 0) {
                        s->few_core[s->m.slot_of[o->target]] = 0;
                        s->few_cpu[o->target] = 0;
                }
        }
        return s->cpu_at[best];
}

/* B's device's IRQs placed on core slot SLOT. */
static unsigned dev_on_core(const struct balancer *s, const struct bal_irq *b, size_t slot)
{
        const struct bal_dev *d;
        unsigned n = 0;

        if (b->dev < 0)
                return 0;
        d = &s->devs[b->dev];
        if (d->core)
                return d->core[slot];
        for (size_t j = d->first; j < d->first + d->n; j++) {
                int t = s->b[s->dev_irqs[j]].target;

                n += t >= 0 && s->m.slot_of[t] == slot;
        }
        return n;
}

/* The best CPU index for B among its eligible CPUs. */
static size_t pick(struct balancer *s, const struct bal_irq *b)
{
        const struct bal_class *c = &s->classes[b->cls];

        if (b->dev < 0)
                return s->cpu_at[tree_best_of(s, &s->all, c, NULL, 0)];
        if (s->devs[b->dev].tree.best)
                return s->cpu_at[tree_best_of(s, &s->devs[b->dev].tree, c, NULL, 0)];
        return pick_few(s, b);
}

/* The loads or counts of core slot SLOT changed: every CPU of it compares anew. */
static void touch(struct balancer *s, size_t slot)
{
        if (!s->built)
                return;
        for (size_t x = s->slot_first[slot]; x < s->slot_first[slot + 1]; x++) {
                size_t pos = s->pos_of[s->slot_cpus[x]];

                if (pos == NONE)
                        continue;
                tree_fix(s, &s->all, pos);
                for (size_t g = 0; g < s->n_own; g++) {
                        struct tree *t = &s->devs[s->own[g]].tree;

                        if (pos >= t->lo && pos < t->lo + t->n)
                                tree_fix(s, t, pos);
                }
        }
}

/* Adds IRQ K's load and count to CPU index IDX (SIGN 1) or takes them away (-1). */
/* What IRQ I weighs here: its load, but never less than an idle IRQ's. IRQs that
 * measured no interrupts (an idle machine, a short --oneshot window) would otherwise
 * all tie at zero and all go to the lowest CPU; a token load spreads them by count, and
 * is far below any load worth a move. */
#define IDLE_IRQ_LOAD 1e-6

static double irq_load(const struct balancer *s, size_t i)
{
        double l = s->in->irqs[i].load;

        return l > IDLE_IRQ_LOAD ? l : IDLE_IRQ_LOAD;
}

static void charge(struct balancer *s, size_t k, size_t idx, int sign)
{
        const struct bal_irq *b = &s->b[k];
        size_t slot = s->m.slot_of[idx];

        loadmap_add(&s->m, idx, sign * irq_load(s, b->i));
        if (b->dev >= 0 && s->devs[b->dev].core) {
                struct bal_dev *d = &s->devs[b->dev];

                if (sign > 0) {
                        d->core[slot]++;
                        d->cpu[idx]++;
                } else {
                        d->core[slot]--;
                        d->cpu[idx]--;
                }
        }
        touch(s, slot);
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
        charge(s, k, idx, 1);
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
        charge(s, k, idx, -1);
}

static void build_trees(struct balancer *s)
{
        tree_build(s, &s->all);
        for (size_t g = 0; g < s->n_own; g++)
                tree_build(s, &s->devs[s->own[g]].tree);
        s->built = true;
}

/* TO for B, unless B is placed afresh and its CPU is as good: the same effective load
 * and no more of its device's IRQs on the core. A fresh plan is made to cut the peak,
 * and a move between equals cuts nothing; most IRQs of a server are idle and weigh the
 * same token load (IDLE_IRQ_LOAD), so without this the plan would shuffle them all. */
static size_t stay_if_as_good(struct balancer *s, struct bal_irq *b, size_t to)
{
        size_t here;

        if (b->origin != ORIGIN_AFRESH)
                return to;
        here = (size_t) loadmap_index(&s->m, (unsigned) b->old_cpu);
        if (here == to ||
            (effective(&s->m, here) <= effective(&s->m, to) + LOAD_EPSILON &&
             dev_on_core(s, b, s->m.slot_of[here]) <= dev_on_core(s, b, s->m.slot_of[to]))) {
                b->origin = ORIGIN_KEPT;
                return here;
        }
        return to;
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
        /* From here on every load change reaches the trees. */
        build_trees(s);
        for (size_t k = 0; k < s->n_lpt; k++) {
                struct bal_irq *b = &s->b[s->lpt[k]];

                link_irq(s, s->lpt[k], stay_if_as_good(s, b, pick(s, b)));
        }
}

/* Is CPU index IDX the most loaded of class CLS? Once per class and visit. */
static bool hottest(struct balancer *s, size_t cls, size_t idx)
{
        struct bal_class *c = &s->classes[cls];

        if (c->stamp != s->stamp) {
                c->stamp = s->stamp;
                c->peak = tree_peak_of(s, c);
        }
        return c->peak <= s->m.cpu[idx] + LOAD_EPSILON;
}

/* pick() once per group and visit: nothing moves during a visit's search. */
static size_t pick_visit(struct balancer *s, const struct bal_irq *b)
{
        struct bal_group *g = &s->groups[b->group];

        if (g->stamp != s->stamp) {
                g->stamp = s->stamp;
                g->to = pick(s, b);
        }
        return g->to;
}

/* The best move off CPU index A: the IRQ (index into b, NONE if none) whose move cuts
 * max(load A, load of its best CPU) the most, as a share of load A. Records each
 * IRQ's own best gain for its reason. */
static size_t best_move(struct balancer *s, size_t a, size_t *ret_to, double *ret_gain)
{
        double la = s->m.cpu[a], best_gain = 0;
        size_t best = NONE;

        s->stamp++;
        for (size_t k = s->head[a]; k != NONE; k = s->b[k].next) {
                struct bal_irq *b = &s->b[k];
                double x = irq_load(s, b->i), gain;
                size_t to;

                b->gain = 0;
                /* Only the peak of the IRQ's own domain (its node) is worth a move. */
                if (la <= LOAD_EPSILON || !hottest(s, b->cls, a))
                        continue;
                /* Aimed like a first placement; any target that passes the test below
                 * lowers the sorted CPU loads, so moves cannot go round in circles. */
                to = pick_visit(s, b);
                if (to == a)
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

/* Would a visit of some CPU move an IRQ? Visits in CPU order: a round that moves
 * nothing leaves every IRQ the same gain whatever the order of its visits, so a steady
 * state needs no sort. */
static bool any_move(struct balancer *s, double h)
{
        for (size_t a = 0; a < s->in->topo->n_cpus; a++) {
                size_t to, k;
                double gain;

                if (s->head[a] == NONE)
                        continue;
                k = best_move(s, a, &to, &gain);
                if (k != NONE && gain >= h)
                        return true;
        }
        return false;
}

/* Visits CPUs hottest first, moving IRQs off each while a move is worth it. */
static void rebalance(struct balancer *s)
{
        double h = fmax(s->in->params->hysteresis, LOAD_EPSILON);
        size_t n_cpus = s->in->topo->n_cpus;

        if (!any_move(s, h))
                return;
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
        double la = irq_load(s, a->i), lb = irq_load(s, b->i);

        if (la != lb)
                return la > lb ? -1 : 1;
        /* The input is sorted by IRQ number, so its index orders by IRQ. */
        return a->i < b->i ? -1 : a->i > b->i;
}

static const struct topo_node *node_of(const struct balancer *s, int os_index)
{
        int k = nodemap_index(&s->nodes, os_index);

        return k >= 0 ? &s->in->topo->nodes[k] : NULL;
}

/* The CPUs IRQ Q may take, into SET, and where they come from. */
static enum scope eligible(const struct balancer *s, const struct policy_irq *q, hwloc_bitmap_t set)
{
        const struct topo_node *node = node_of(s, q->node);

        hwloc_bitmap_and(set, q->allowed, s->m.known);
        if (node && hwloc_bitmap_intersects(set, node->cpus)) {
                hwloc_bitmap_and(set, set, node->cpus);
                return SCOPE_NODE;
        }
        return q->node >= 0 ? SCOPE_NODE_NOT_ALLOWED : SCOPE_NO_NODE;
}

/* Keys spread over the table: the low bits of a multiplicative hash are poor. */
static size_t table_start(const struct balancer *s, uint64_t hash)
{
        return (size_t) ((hash * 0x9e3779b97f4a7c15ull) >> 32) & s->table_mask;
}

static uint64_t group_key(const struct balancer *s, size_t cls, int dev)
{
        return (uint64_t) cls * (s->n_devs + 1) + (uint64_t) (dev + 1);
}

static size_t free_slot(const struct balancer *s, const size_t *table, uint64_t hash)
{
        size_t at = table_start(s, hash);

        while (table[at])
                at = (at + 1) & s->table_mask;
        return at;
}

/* Room for one more class and one more group. The arrays and their tables double
 * together (the tables at most half full), so they follow the classes and groups
 * there are, a few per node on most machines, not the number of IRQs. */
static int reserve_class_and_group(struct balancer *s)
{
        size_t cap = s->table_mask + 1, *table;
        struct bal_class *classes;
        struct bal_group *groups;

        if (2 * (s->n_classes + 1) <= cap && 2 * (s->n_groups + 1) <= cap)
                return 0;
        cap *= 2;
        classes = realloc(s->classes, cap / 2 * sizeof(*classes));
        if (!classes)
                return -ENOMEM;
        s->classes = classes;
        groups = realloc(s->groups, cap / 2 * sizeof(*groups));
        if (!groups)
                return -ENOMEM;
        s->groups = groups;
        table = calloc(2 * cap, sizeof(*table));
        if (!table)
                return -ENOMEM;
        free(s->class_table);
        s->class_table = table;
        s->group_table = table + cap;
        s->table_mask = cap - 1;
        for (size_t c = 0; c < s->n_classes; c++)
                s->class_table[free_slot(s, s->class_table, s->classes[c].hash)] = c + 1;
        for (size_t g = 0; g < s->n_groups; g++) {
                uint64_t key = group_key(s, s->groups[g].cls, s->groups[g].dev);

                s->group_table[free_slot(s, s->group_table, key)] = g + 1;
        }
        return 0;
}

/* The class of the CPU set in s->elig (new if no IRQ had it), for IRQ K. */
static size_t class_of(struct balancer *s, size_t k)
{
        uint64_t hash = 0;
        size_t w = s->m.n_index_of / (8 * sizeof(unsigned long)) + 1, at;

        for (unsigned i = 0; i < w; i++)
                hash = (hash ^ hwloc_bitmap_to_ith_ulong(s->elig, i)) * 0x100000001b3ull;
        for (at = table_start(s, hash); s->class_table[at]; at = (at + 1) & s->table_mask) {
                size_t c = s->class_table[at] - 1;

                if (s->classes[c].hash != hash)
                        continue;
                eligible(s, &s->in->irqs[s->b[s->classes[c].rep].i], s->other);
                if (hwloc_bitmap_isequal(s->elig, s->other))
                        return c;
        }
        s->classes[s->n_classes] = (struct bal_class) { .rep = k, .hash = hash };
        s->class_table[at] = ++s->n_classes;
        return s->n_classes - 1;
}

static size_t group_of(struct balancer *s, size_t cls, int dev)
{
        size_t at;

        for (at = table_start(s, group_key(s, cls, dev)); s->group_table[at]; at = (at + 1) & s->table_mask) {
                const struct bal_group *g = &s->groups[s->group_table[at] - 1];

                if (g->cls == cls && g->dev == dev)
                        return s->group_table[at] - 1;
        }
        s->groups[s->n_groups] = (struct bal_group) { .cls = cls, .dev = dev };
        s->group_table[at] = ++s->n_groups;
        return s->n_groups - 1;
}

/* Eligible CPUs, class and what may be kept, for IRQ K. */
static int prepare(struct balancer *s, size_t k, const int *devs)
{
        struct bal_irq *b = &s->b[k];
        const struct policy_irq *q = &s->in->irqs[b->i];
        const struct policy_irq *last = k > 0 ? &s->in->irqs[s->b[k - 1].i] : NULL;
        int cand = -1, r;
        bool afresh = q->place_afresh;

        b->dev = devs[b->i];
        b->keep = b->target = b->from = -1;
        b->old_cpu = -1;
        r = reserve_class_and_group(s);
        if (r < 0)
                return r;
        /* A device's queues follow each other and share their CPUs: the set of the IRQ
         * before, still in s->elig, is then this one's. */
        if (last && last->node == q->node && hwloc_bitmap_isequal(last->allowed, q->allowed)) {
                b->scope = s->b[k - 1].scope;
                b->cls = s->b[k - 1].cls;
        } else {
                b->scope = eligible(s, q, s->elig);
                if (hwloc_bitmap_iszero(s->elig))
                        return -EINVAL;  /* the caller must leave such an IRQ unmovable */
                b->cls = class_of(s, k);
                hwloc_bitmap_or(s->used, s->used, s->elig);
        }
        b->group = k > 0 && s->b[k - 1].cls == b->cls && s->b[k - 1].dev == b->dev ?
                   s->b[k - 1].group : group_of(s, b->cls, b->dev);

        b->origin = ORIGIN_NEW;
        if (q->previous >= 0)
                cand = q->previous;
        else if (q->current)
                cand = cpuset_single_cpu(q->current);
        /* Never placed (its mask spans several CPUs): placed as new, as the kernel chose
         * without loads, but it need not leave an eligible CPU for nothing. A CPU it may
         * not keep gives it no "not allowed any more" or "off its node": it never had it
         * from a placement. */
        if (cand < 0 && q->runs_on >= 0 && hwloc_bitmap_isset(s->elig, (unsigned) q->runs_on)) {
                cand = q->runs_on;
                afresh = true;
        }
        if (cand < 0)
                return 0;
        b->old_cpu = cand;
        if (!hwloc_bitmap_isset(q->allowed, (unsigned) cand) ||
            loadmap_index(&s->m, (unsigned) cand) < 0)
                b->origin = ORIGIN_BANNED;
        else if (!hwloc_bitmap_isset(s->elig, (unsigned) cand))
                b->origin = ORIGIN_OFF_NODE;
        else if (afresh)
                b->origin = ORIGIN_AFRESH;
        else {
                b->origin = ORIGIN_KEPT;
                b->keep = loadmap_index(&s->m, (unsigned) cand);
        }
        return 0;
}

/* Node index of CPU index C, n_nodes for CPUs without a node. */
static size_t node_bucket(const struct topology *t, size_t c)
{
        return t->cpus[c].node >= 0 ? (size_t) t->cpus[c].node : t->n_nodes;
}

/* Positions for every eligible CPU, node after node (so that a node is one run), and
 * the CPUs of each core slot. */
static int lay_out_cpus(struct balancer *s)
{
        const struct topology *t = s->in->topo;
        size_t n_cpus = t->n_cpus, n_slots = s->m.n_slots;
        _cleanup_free_ size_t *at = calloc(t->n_nodes + 2, sizeof(*at));

        s->pos_of = malloc((n_cpus ? n_cpus : 1) * sizeof(*s->pos_of));
        s->cpu_at = malloc((n_cpus ? n_cpus : 1) * sizeof(*s->cpu_at));
        s->slot_first = calloc(n_slots + 1, sizeof(*s->slot_first));
        s->slot_cpus = malloc((n_cpus ? n_cpus : 1) * sizeof(*s->slot_cpus));
        if (!at || !s->pos_of || !s->cpu_at || !s->slot_first || !s->slot_cpus)
                return -ENOMEM;

        /* Counting sort by node index; CPUs without a node last. */
        for (size_t c = 0; c < n_cpus; c++)
                if (hwloc_bitmap_isset(s->used, t->cpus[c].os_index))
                        at[node_bucket(t, c) + 1]++;
        for (size_t k = 1; k < t->n_nodes + 2; k++)
                at[k] += at[k - 1];
        for (size_t c = 0; c < n_cpus; c++) {
                s->pos_of[c] = NONE;
                if (hwloc_bitmap_isset(s->used, t->cpus[c].os_index)) {
                        size_t pos = at[node_bucket(t, c)]++;

                        s->pos_of[c] = pos;
                        s->cpu_at[pos] = c;
                        s->n_pos++;
                }
        }

        /* Counting sort by core slot: slot_first[k] counts up to the end of slot k, then
         * filling from the back brings it down to the start. */
        for (size_t c = 0; c < n_cpus; c++)
                s->slot_first[s->m.slot_of[c]]++;
        for (size_t k = 1; k < n_slots; k++)
                s->slot_first[k] += s->slot_first[k - 1];
        s->slot_first[n_slots] = n_cpus;
        for (size_t c = n_cpus; c-- > 0;)
                s->slot_cpus[--s->slot_first[s->m.slot_of[c]]] = c;
        return 0;
}

/* Each class's runs of positions. */
static int lay_out_classes(struct balancer *s)
{
        size_t cap = s->n_classes + 16;

        s->runs = malloc(cap * sizeof(*s->runs));
        if (!s->runs)
                return -ENOMEM;
        for (size_t c = 0; c < s->n_classes; c++) {
                struct bal_class *cl = &s->classes[c];

                eligible(s, &s->in->irqs[s->b[cl->rep].i], s->elig);
                cl->run = s->n_runs;
                for (size_t pos = 0; pos < s->n_pos; pos++) {
                        if (!hwloc_bitmap_isset(s->elig, s->m.topo->cpus[s->cpu_at[pos]].os_index))
                                continue;
                        if (s->n_runs > cl->run && s->runs[s->n_runs - 1].hi == pos) {
                                s->runs[s->n_runs - 1].hi++;
                                continue;
                        }
                        if (s->n_runs == cap) {
                                struct run *more = realloc(s->runs, 2 * cap * sizeof(*more));

                                if (!more)
                                        return -ENOMEM;
                                s->runs = more;
                                cap *= 2;
                        }
                        s->runs[s->n_runs++] = (struct run) { pos, pos + 1 };
                }
                cl->n_runs = s->n_runs - cl->run;
        }
        return 0;
}

/* The devices' IRQ lists, and trees of their own for the devices with many IRQs: over
 * the positions from the first to the last their IRQs may take. */
static int lay_out_devices(struct balancer *s)
{
        size_t n_cpus = s->in->topo->n_cpus, n_slots = s->m.n_slots, n_tree, own_min;

        s->devs = calloc(s->n_devs ? s->n_devs : 1, sizeof(*s->devs));
        s->dev_irqs = malloc((s->n ? s->n : 1) * sizeof(*s->dev_irqs));
        s->own = malloc((s->n_devs ? s->n_devs : 1) * sizeof(*s->own));
        s->few_core = calloc(n_slots + n_cpus + 1, sizeof(*s->few_core));
        s->excluded = malloc((n_cpus ? n_cpus : 1) * sizeof(*s->excluded));
        if (!s->devs || !s->dev_irqs || !s->own || !s->few_core || !s->excluded)
                return -ENOMEM;
        s->few_cpu = s->few_core + n_slots;

        for (size_t k = 0; k < s->n; k++)
                if (s->b[k].dev >= 0)
                        s->devs[s->b[k].dev].n++;
        for (size_t d = 1; d < s->n_devs; d++)
                s->devs[d].first = s->devs[d - 1].first + s->devs[d - 1].n;
        for (size_t d = 0; d < s->n_devs; d++)
                s->devs[d].n = 0;
        for (size_t k = 0; k < s->n; k++)
                if (s->b[k].dev >= 0) {
                        struct bal_dev *d = &s->devs[s->b[k].dev];

                        s->dev_irqs[d->first + d->n++] = k;
                }

        /* √I: fewer than that many own trees to update per load change, fewer than that
         * many cores to compare one by one per placement. */
        own_min = (size_t) ceil(sqrt((double) s->n));
        if (own_min < OWN_TREE_MIN)
                own_min = OWN_TREE_MIN;
        n_tree = 2 * s->n_pos;  /* the shared tree's nodes */
        for (size_t d = 0; d < s->n_devs; d++) {
                struct bal_dev *dv = &s->devs[d];
                size_t lo = NONE, hi = 0;

                if (dv->n <= own_min)
                        continue;
                for (size_t j = dv->first; j < dv->first + dv->n; j++) {
                        const struct bal_class *c = &s->classes[s->b[s->dev_irqs[j]].cls];

                        lo = MIN(lo, s->runs[c->run].lo);
                        hi = MAX(hi, s->runs[c->run + c->n_runs - 1].hi);
                }
                dv->tree = (struct tree) { .lo = lo, .n = hi - lo };
                n_tree += 2 * dv->tree.n;
                s->own[s->n_own++] = d;
        }

        s->tree_nodes = malloc((n_tree ? n_tree : 1) * sizeof(*s->tree_nodes));
        s->all = (struct tree) { .lo = 0, .n = s->n_pos };
        s->all.peak = malloc((2 * s->n_pos + 1) * sizeof(*s->all.peak));
        s->counts = calloc(s->n_own * (n_slots + n_cpus) + 1, sizeof(*s->counts));
        if (!s->tree_nodes || !s->all.peak || !s->counts)
                return -ENOMEM;
        s->all.best = s->tree_nodes;
        n_tree = 2 * s->n_pos;
        for (size_t g = 0; g < s->n_own; g++) {
                struct bal_dev *dv = &s->devs[s->own[g]];

                dv->core = s->counts + g * (n_slots + n_cpus);
                dv->cpu = dv->core + n_slots;
                dv->tree.best = s->tree_nodes + n_tree;
                dv->tree.spread = (struct spread) { dv->core, dv->cpu };
                n_tree += 2 * dv->tree.n;
        }
        return 0;
}

/* A share as a whole percentage, for reasons. */
static unsigned percent(double share)
{
        return (unsigned) lround(fmin(fmax(share, 0), 1) * 100);
}

static const char *scope_text(const struct balancer *s, const struct bal_irq *b, char *buf,
                              size_t size)
{
        int node = s->in->irqs[b->i].node;

        if (b->scope == SCOPE_NODE)
                snprintf(buf, size, "node %d (device)", node);
        else if (b->scope == SCOPE_NODE_NOT_ALLOWED)
                snprintf(buf, size, "node %d not allowed, any CPU", node);
        else
                return "no device node, any CPU";
        return buf;
}

static char *put_str(char *at, const char *str)
{
        size_t len = strlen(str);

        memcpy(at, str, len);
        return at + len;
}

static char *put_uint(char *at, unsigned u)
{
        char digits[16];
        size_t n = 0;

        do
                digits[n++] = (char) ('0' + u % 10);
        while ((u /= 10) > 0);
        while (n > 0)
                *at++ = digits[--n];
        return at;
}

static int write_placement(const struct balancer *s, const struct bal_irq *b, struct plan *plan,
                           struct placement *p)
{
        const struct topology *t = s->in->topo;
        unsigned cpu = t->cpus[b->target].os_index;
        char scope[40];

        if (b->from < 0 && b->origin == ORIGIN_KEPT) {
                /* What most IRQs say after every plan: put together by hand, as
                 * snprintf() would cost more than the whole placement. Without the
                 * CPU, which every display of a placement shows beside its reason, so
                 * that IRQs kept by the same margin share one text (plan.recent_reasons). */
                char text[64], *at = text;

                at = put_uint(put_str(at, "kept: moving would gain "), percent(b->gain));
                at = put_uint(put_str(at, " % < "), percent(s->in->params->hysteresis));
                *put_str(at, " %") = 0;
                plan_set_reason_text(plan, p, text);
        } else if (b->from >= 0)
                plan_set_reason(plan, p, "moved off CPU %u (-%u %%): %s, least loaded core",
                                t->cpus[b->from].os_index, percent(b->moved_gain),
                                scope_text(s, b, scope, sizeof(scope)));
        else if (b->origin == ORIGIN_BANNED)
                plan_set_reason(plan, p, "CPU %d not allowed any more; %s, least loaded core",
                                b->old_cpu, scope_text(s, b, scope, sizeof(scope)));
        else if (b->origin == ORIGIN_OFF_NODE)
                plan_set_reason(plan, p, "CPU %d off its node; %s, least loaded core",
                                b->old_cpu, scope_text(s, b, scope, sizeof(scope)));
        else
                plan_set_reason(plan, p, "%s, least loaded core",
                                scope_text(s, b, scope, sizeof(scope)));
        return plan_set_cpu(plan, p, cpu);
}

/* Arrays sized by the input and the machine. */
static int balancer_init(struct balancer *s, int **ret_devs)
{
        const struct policy_input *in = s->in;
        const struct topology *t = in->topo;
        size_t n = in->n ? in->n : 1, n_cpus = t->n_cpus ? t->n_cpus : 1;
        int r;

        if (n >= NONE)
                return -EOVERFLOW;  /* struct bal_irq's 32-bit indexes */
        r = loadmap_init(&s->m, t);
        if (r < 0)
                return r;
        r = nodemap_init(&s->nodes, t);
        if (r < 0)
                return r;
        r = policy_device_ids(in, ret_devs);
        if (r < 0)
                return r;
        s->n_devs = (size_t) r;

        s->b = malloc(n * sizeof(*s->b));
        s->lpt = malloc(n * sizeof(*s->lpt));
        s->head = malloc(n_cpus * sizeof(*s->head));
        s->by_load = malloc(n_cpus * sizeof(*s->by_load));
        s->elig = hwloc_bitmap_alloc();
        s->other = hwloc_bitmap_alloc();
        s->used = hwloc_bitmap_alloc();
        if (!s->b || !s->lpt || !s->head || !s->by_load || !s->elig || !s->other || !s->used)
                return -ENOMEM;
        for (size_t c = 0; c < n_cpus; c++)
                s->head[c] = NONE;
        return 0;
}

static void balancer_done(struct balancer *s)
{
        free(s->b);
        free(s->lpt);
        free(s->head);
        free(s->by_load);
        nodemap_done(&s->nodes);
        free(s->classes);
        free(s->groups);
        free(s->class_table);
        free(s->runs);
        free(s->pos_of);
        free(s->cpu_at);
        free(s->slot_first);
        free(s->slot_cpus);
        free(s->devs);
        free(s->dev_irqs);
        free(s->own);
        free(s->counts);
        free(s->tree_nodes);
        free(s->all.peak);
        free(s->few_core);
        free(s->excluded);
        hwloc_bitmap_free(s->elig);
        hwloc_bitmap_free(s->other);
        hwloc_bitmap_free(s->used);
        loadmap_done(&s->m);
}

int policy_balance(const struct policy_input *in, const hwloc_const_bitmap_t *fixed,
                   struct plan *plan)
{
        struct balancer s = { .in = in, .fixed = fixed };
        _cleanup_free_ int *devs = NULL;
        size_t slot = 0;
        int r;

        r = balancer_init(&s, &devs);
        if (r < 0)
                goto finish;
        for (size_t i = 0; i < in->n; i++) {
                if (!in->irqs[i].movable)
                        continue;
                if (!fixed || !fixed[i]) {
                        s.b[s.n] = (struct bal_irq) { .i = i, .slot = slot };
                        r = prepare(&s, s.n, devs);
                        if (r < 0)
                                goto finish;
                        if (s.b[s.n].keep < 0)
                                s.lpt[s.n_lpt++] = s.n;
                        s.n++;
                }
                slot++;
        }
        /* Only the IRQs to place need an order: in a steady state none. */
        qsort_r(s.lpt, s.n_lpt, sizeof(*s.lpt), cmp_lpt, &s);

        r = lay_out_cpus(&s);
        if (r >= 0)
                r = lay_out_classes(&s);
        if (r >= 0)
                r = lay_out_devices(&s);
        if (r < 0)
                goto finish;
        place_all(&s);
        rebalance(&s);
        r = 0;
        for (size_t k = 0; k < s.n && r >= 0; k++)
                r = write_placement(&s, &s.b[k], plan, &plan->items[s.b[k].slot]);
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
