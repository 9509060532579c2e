/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pack: power saving. While the interrupt load of the whole machine (movable and
 * background) is below params->pack_low CPUs' worth, IRQs gather on as few cores of one
 * package as the load allows, so that the other cores and packages can sleep deeply;
 * above params->pack_high they spread exactly as balanced spreads them. In between the
 * previous mode holds: we were packing when every previous target sat in one package,
 * on at most PACK_FEW_CORES cores.
 *
 * Packing is first-fit decreasing: IRQs heaviest first, each on the first core of the
 * package (topology order) whose load stays within PACK_CORE_FILL, a new core opening
 * only when none does. The package is the one holding the nodes of most devices' IRQs
 * (ties: the first). When we were already packing, IRQs whose previous CPU is still in
 * the package and still fits stay, so that noise does not reshuffle them. First fit
 * does not walk the open cores: a min-tree over the package's core loads finds the
 * first core light enough, however many cores pack_high lets open.
 *
 * Complexity, for I IRQs, C CPUs, K ≤ C cores in the package (devices D only vote for
 * it): O(I log I) for the sort, O(I + C) for the rest of the set-up, O(log K) per IRQ
 * placed, plus O(log K) per core passed over because the IRQ's allowed CPUs miss it
 * (none when it may use every usable CPU); balanced's cost when spreading. A fixed
 * number of allocations per call. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/macro.h"
#include "irqbal/topology.h"
#include "common.h"

/* Half a CPU of interrupt work per core leaves it room for bursts. */
#define PACK_CORE_FILL 0.5
/* How many cores packing can fill below pack_high, plus one for an oversized IRQ. */
#define PACK_FEW_CORES(high) ((size_t) ceil((high) / PACK_CORE_FILL) + 1)

struct packer {
        const struct policy_input *in;
        struct loadmap m;
        int package;            /* index into topology.packages */
        size_t *cores;          /* the package's cores with a usable PU, in order */
        size_t n_cores;
        size_t *place;          /* per core index: its place in cores, NONE if none */
        size_t size;            /* leaves of the min-tree: a power of two ≥ n_cores */
        double *min;            /* nodes 1 … 2·size - 1: the least core load below */
        size_t *hidden;         /* places first_fit() hides while it looks further */
};

/* Not a place in the package. */
#define NONE SIZE_MAX

static double total_load(const struct policy_input *in)
{
        double total = 0;

        for (size_t i = 0; i < in->n; i++)
                total += in->irqs[i].load;
        return total;
}

/* Were the previous targets within one package's few cores? With no previous plan,
 * the nearer threshold decides. Returns a bool or -ENOMEM. */
static int were_packing(const struct policy_input *in, const struct loadmap *m, double total)
{
        const struct topology *t = in->topo;
        size_t few = PACK_FEW_CORES(in->params->pack_high), n_used = 0;
        _cleanup_free_ bool *used = calloc(m->n_slots ? m->n_slots : 1, sizeof(*used));
        int package = -2;  /* -2: no previous target seen yet */

        if (!used)
                return -ENOMEM;
        for (size_t i = 0; i < in->n; i++) {
                const struct policy_irq *q = &in->irqs[i];
                int idx;

                if (!q->movable || q->previous < 0)
                        continue;
                idx = loadmap_index(m, (unsigned) q->previous);
                if (idx < 0)
                        continue;
                if (package != -2 && t->cpus[idx].package != package)
                        return false;
                package = t->cpus[idx].package;
                if (!used[m->slot_of[idx]]) {
                        if (n_used == few)
                                return false;
                        used[m->slot_of[idx]] = true;
                        n_used++;
                }
        }
        if (package == -2)
                return total < (in->params->pack_low + in->params->pack_high) / 2;
        return true;
}

/* The package holding the nodes of most movable device IRQs; ties go to the first. */
static int choose_package(const struct policy_input *in)
{
        const struct topology *t = in->topo;
        _cleanup_free_ size_t *votes = calloc(t->n_packages ? t->n_packages : 1, sizeof(size_t));
        _cleanup_free_ int *package_of = malloc((t->n_nodes ? t->n_nodes : 1) * sizeof(int));
        _cleanup_(nodemap_done) struct nodemap nodes = {};
        int best = -1;

        if (!votes || !package_of || nodemap_init(&nodes, t) < 0)
                return -ENOMEM;
        /* A node's package is its first CPU's. */
        for (size_t k = 0; k < t->n_nodes; k++) {
                int first = hwloc_bitmap_first(t->nodes[k].cpus);
                const struct topo_cpu *c = first >= 0 ? topology_cpu(t, (unsigned) first) : NULL;

                package_of[k] = c ? c->package : -1;
        }
        for (size_t i = 0; i < in->n; i++) {
                const struct policy_irq *q = &in->irqs[i];
                int k;

                if (!q->movable || q->node < 0)
                        continue;
                k = nodemap_index(&nodes, q->node);
                if (k >= 0 && package_of[k] >= 0)
                        votes[package_of[k]]++;
        }
        for (size_t p = 0; p < t->n_packages; p++) {
                if (!hwloc_bitmap_intersects(t->packages[p].cpus, t->usable))
                        continue;
                if (best < 0 || votes[p] > votes[best])
                        best = (int) p;
        }
        return best;
}

static int package_cores(struct packer *s)
{
        const struct topology *t = s->in->topo;
        size_t n = t->n_cores ? t->n_cores : 1;

        s->cores = malloc(n * sizeof(*s->cores));
        s->place = malloc(n * sizeof(*s->place));
        s->hidden = malloc(n * sizeof(*s->hidden));
        if (!s->cores || !s->place || !s->hidden)
                return -ENOMEM;
        for (size_t c = 0; c < t->n_cores; c++) {
                s->place[c] = NONE;
                if (t->cores[c].package == s->package &&
                    hwloc_bitmap_intersects(t->cores[c].pus, t->usable)) {
                        s->place[c] = s->n_cores;
                        s->cores[s->n_cores++] = c;
                }
        }
        for (s->size = 1; s->size < s->n_cores; s->size *= 2)
                ;
        s->min = malloc(2 * s->size * sizeof(*s->min));
        return s->min ? 0 : -ENOMEM;
}

/* The min-tree from the core loads so far. */
static void tree_build(struct packer *s)
{
        for (size_t k = 0; k < s->size; k++)
                s->min[s->size + k] = k < s->n_cores ? s->m.core[s->cores[k]] : HUGE_VAL;
        for (size_t k = s->size; k-- > 1;)
                s->min[k] = fmin(s->min[2 * k], s->min[2 * k + 1]);
}

static void tree_set(struct packer *s, size_t place, double load)
{
        size_t k = s->size + place;

        for (s->min[k] = load, k /= 2; k > 0; k /= 2)
                s->min[k] = fmin(s->min[2 * k], s->min[2 * k + 1]);
}

/* The first place from FROM on whose core load is at most MAX, NONE if none. */
static size_t tree_first(const struct packer *s, size_t from, double max)
{
        size_t k = s->size + from;

        if (from >= s->n_cores)
                return NONE;
        while (s->min[k] > max) {
                /* Past a right child's range lies its parent's right neighbour's. */
                for (; k & 1; k /= 2)
                        if (k == 1)
                                return NONE;
                k++;
        }
        while (k < s->size)
                k = s->min[2 * k] <= max ? 2 * k : 2 * k + 1;
        return k - s->size;
}

/* Adds LOAD to CPU index IDX, and to the tree when its core is the package's. */
static void add_load(struct packer *s, size_t idx, double load)
{
        size_t slot = s->m.slot_of[idx];

        loadmap_add(&s->m, idx, load);
        if (slot < s->in->topo->n_cores && s->place[slot] != NONE)
                tree_set(s, s->place[slot], s->m.core[slot]);
}

static int cmp_heaviest(const void *x, const void *y, void *irqs)
{
        const struct policy_irq *a = (const struct policy_irq *) irqs + *(const size_t *) x;
        const struct policy_irq *b = (const struct policy_irq *) irqs + *(const size_t *) y;

        if (a->load != b->load)
                return a->load > b->load ? -1 : 1;
        return a->irq < b->irq ? -1 : a->irq > b->irq;
}

static bool fits(const struct packer *s, size_t slot, double load)
{
        double have = s->m.core[slot];

        return have <= LOAD_EPSILON || have + load <= PACK_CORE_FILL + LOAD_EPSILON;
}

/* The first PU of core C its IRQ may take, or -1. */
static int core_first_allowed(const struct topo_core *c, hwloc_const_bitmap_t allowed)
{
        unsigned os;

        hwloc_bitmap_foreach_begin(os, c->pus) {
                if (hwloc_bitmap_isset(allowed, os))
                        return (int) os;
        } hwloc_bitmap_foreach_end();
        return -1;
}

/* The CPU index of the first PU of the core at PLACE that Q may take, or -1. */
static int place_cpu(const struct packer *s, size_t place, const struct policy_irq *q)
{
        int cpu = core_first_allowed(&s->in->topo->cores[s->cores[place]], q->allowed);

        return cpu >= 0 ? loadmap_index(&s->m, (unsigned) cpu) : -1;
}

/* First fit over the package's cores: the first allowed PU of the first core that
 * fits, else of the least loaded core; -1 if no core of the package is allowed. */
static int first_fit(struct packer *s, const struct policy_irq *q, size_t *ret_core)
{
        /* Every core that fits weighs at most this; fits() decides at the border, where
         * the sum rounds. */
        double max = fmax(LOAD_EPSILON, PACK_CORE_FILL + LOAD_EPSILON - q->load) + LOAD_EPSILON;
        size_t n_hidden = 0;
        int idx = -1;

        for (size_t k = tree_first(s, 0, max); k != NONE; k = tree_first(s, k + 1, max)) {
                idx = place_cpu(s, k, q);
                if (idx >= 0 && fits(s, s->m.slot_of[idx], q->load)) {
                        *ret_core = k;
                        return idx;
                }
        }

        /* None fits: the least loaded core it may use, the first of equals. Cores it
         * may not use are hidden from the tree until one is found. */
        *ret_core = 0;
        idx = -1;
        while (idx < 0 && s->min[1] < HUGE_VAL) {
                size_t k = tree_first(s, 0, s->min[1] + LOAD_EPSILON);

                idx = place_cpu(s, k, q);
                if (idx >= 0)
                        *ret_core = k;
                else {
                        s->hidden[n_hidden++] = k;
                        tree_set(s, k, HUGE_VAL);
                }
        }
        while (n_hidden > 0) {
                size_t k = s->hidden[--n_hidden];

                tree_set(s, k, s->m.core[s->cores[k]]);
        }
        return idx;
}

static int gather(struct packer *s, bool was_packing, double total, struct plan *plan)
{
        const struct policy_input *in = s->in;
        const struct topology *t = in->topo;
        _cleanup_free_ size_t *order = malloc((in->n ? in->n : 1) * sizeof(size_t));
        _cleanup_free_ size_t *slot = malloc((in->n ? in->n : 1) * sizeof(size_t));
        _cleanup_free_ bool *done = calloc(in->n ? in->n : 1, sizeof(bool));
        size_t n = 0, k = 0;
        int r;

        if (!order || !slot || !done)
                return -ENOMEM;
        loadmap_add_unmovable(&s->m, in);
        tree_build(s);
        for (size_t i = 0; i < in->n; i++)
                if (in->irqs[i].movable) {
                        slot[i] = k++;
                        order[n++] = i;
                }

        /* Already packed: what still fits stays. */
        for (size_t j = 0; was_packing && j < n; j++) {
                const struct policy_irq *q = &in->irqs[order[j]];
                struct placement *p = &plan->items[slot[order[j]]];
                int idx = q->previous >= 0 ? loadmap_index(&s->m, (unsigned) q->previous) : -1;

                if (idx < 0 || !hwloc_bitmap_isset(q->allowed, (unsigned) q->previous) ||
                    t->cpus[idx].package != s->package ||
                    !fits(s, s->m.slot_of[idx], q->load))
                        continue;
                add_load(s, (size_t) idx, q->load);
                r = plan_set_cpu(plan, p, (unsigned) q->previous);
                if (r < 0)
                        return r;
                plan_set_reason(plan, p, "packing (load %.2f CPU): kept on CPU %d, package %d",
                                total, q->previous,
                                t->packages[s->package].os_index);
                done[order[j]] = true;
        }

        qsort_r(order, n, sizeof(*order), cmp_heaviest, (void *) in->irqs);
        for (size_t j = 0; j < n; j++) {
                const struct policy_irq *q = &in->irqs[order[j]];
                struct placement *p = &plan->items[slot[order[j]]];
                size_t core = 0;
                int idx;

                if (done[order[j]])
                        continue;
                idx = first_fit(s, q, &core);
                if (idx >= 0) {
                        plan_set_reason(plan, p, "packing (load %.2f CPU): package %d, core %zu in fill order",
                                        total, t->packages[s->package].os_index, core);
                } else {
                        /* Not allowed anywhere in the package: its lowest allowed CPU. */
                        int cpu = hwloc_bitmap_first(q->allowed);

                        idx = cpu >= 0 ? loadmap_index(&s->m, (unsigned) cpu) : -1;
                        if (idx < 0)
                                return -EINVAL;
                        plan_set_reason(plan, p, "packing, package %d not allowed: lowest allowed CPU",
                                        t->packages[s->package].os_index);
                }
                add_load(s, (size_t) idx, q->load);
                r = plan_set_cpu(plan, p, loadmap_os(&s->m, (size_t) idx));
                if (r < 0)
                        return r;
        }
        return 0;
}

static int spread(const struct policy_input *in, double total, struct plan *plan)
{
        int r;

        r = policy_balance(in, NULL, plan);
        if (r < 0)
                return r;
        /* The prefix says why we are not packing; what follows is balanced's. */
        for (size_t k = 0; k < plan->n; k++)
                plan_set_reason(plan, &plan->items[k], "spread (load %.2f CPU): %s", total,
                                plan->items[k].reason);
        return 0;
}

static int pack_plan(const struct policy_input *in, struct plan *ret)
{
        struct packer s = { .in = in };
        double total = total_load(in);
        bool packing;
        int r, was;

        r = policy_plan_movable(in, ret);
        if (r < 0)
                return r;
        r = loadmap_init(&s.m, in->topo);
        if (r < 0)
                goto finish;
        r = was = were_packing(in, &s.m, total);
        if (r < 0)
                goto finish;
        if (total < in->params->pack_low)
                packing = true;
        else if (total > in->params->pack_high)
                packing = false;
        else
                packing = was;

        s.package = packing ? choose_package(in) : -1;
        if (s.package < -1) {
                r = s.package;
                goto finish;
        }
        if (s.package >= 0) {
                r = package_cores(&s);
                if (r >= 0)
                        r = gather(&s, was, total, ret);
        } else
                r = spread(in, total, ret);
finish:
        free(s.cores);
        free(s.place);
        free(s.hidden);
        free(s.min);
        loadmap_done(&s.m);
        if (r < 0)
                plan_done(ret);
        return r;
}

const struct irqbal_policy policy_pack = {
        .name = "pack",
        .description = "gather IRQs on few cores of one package while the load is low",
        .plan = pack_plan,
};
