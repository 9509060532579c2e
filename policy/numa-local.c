/* SPDX-License-Identifier: GPL-2.0-or-later */
/* numa-local: a fixed layout that ignores loads. The queue IRQs of each device go one
 * per physical core of the device's NUMA node, in queue order (the trailing number of
 * the action name, then the IRQ number), round-robin: the first PU of every core
 * first, then the second PUs, and so on. IRQs without a device, and devices without a
 * node, go round-robin over every core in IRQ order. The same input always gives the
 * same output, whatever the previous placement was.
 *
 * Cores with no allowed PU are skipped; when the node has no allowed CPU at all the
 * IRQ falls back to every core of the machine.
 *
 * Complexity, for I IRQs, C CPUs, D devices: O(I log I) for the sort (by device name,
 * queue number, IRQ: D only groups it), O(C) to list every node's cores once, then O(1)
 * per IRQ, plus the cores walked past because its allowed CPUs miss them (none when it
 * may use every usable CPU). A fixed number of allocations per call. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/macro.h"
#include "irqbal/topology.h"
#include "common.h"

struct ring {
        const size_t *cores;    /* core indexes, in topology order */
        size_t n;
};

/* Ring 0 holds every core with a usable PU, ring 1 + k node index k's. */
struct rings {
        size_t *cores;          /* the rings one after the other */
        size_t *first;          /* ring j is cores[first[j] .. first[j + 1]) */
};

static const char *device_of(const struct policy_irq *q)
{
        return q->device && q->device[0] ? q->device : NULL;
}

static int cmp_queue(const void *x, const void *y, void *irqs)
{
        const struct policy_irq *a = (const struct policy_irq *) irqs + *(const size_t *) x;
        const struct policy_irq *b = (const struct policy_irq *) irqs + *(const size_t *) y;
        const char *da = device_of(a), *db = device_of(b);
        long qa, qb;
        int c;

        /* Devices together (no device last), then queue number, then IRQ number. */
        if (!da != !db)
                return da ? -1 : 1;
        if (da) {
                c = strcmp(da, db);
                if (c != 0)
                        return c;
                qa = policy_queue_number(a->name);
                qb = policy_queue_number(b->name);
                if (qa != qb)
                        return qa < qb ? -1 : 1;
        }
        return a->irq < b->irq ? -1 : a->irq > b->irq;
}

/* The PU'th allowed PU of core C (wrapping), or -1 if it has none. */
static int core_pu(const struct topo_core *c, hwloc_const_bitmap_t allowed, size_t pu)
{
        unsigned os, n = 0;
        int first = -1, chosen = -1;

        hwloc_bitmap_foreach_begin(os, c->pus) {
                if (hwloc_bitmap_isset(allowed, os))
                        n++;
        } hwloc_bitmap_foreach_end();
        if (n == 0)
                return -1;
        pu %= n;
        n = 0;
        hwloc_bitmap_foreach_begin(os, c->pus) {
                if (!hwloc_bitmap_isset(allowed, os))
                        continue;
                if (first < 0)
                        first = (int) os;
                if (n++ == pu) {
                        chosen = (int) os;
                        break;
                }
        } hwloc_bitmap_foreach_end();
        return chosen >= 0 ? chosen : first;
}

/* Position POS of RING for an IRQ allowed on ALLOWED: core POS mod n, PU POS div n;
 * a core without an allowed PU passes the turn to the next one. */
static int ring_cpu(const struct topology *t, const struct ring *ring,
                    hwloc_const_bitmap_t allowed, size_t pos)
{
        if (ring->n == 0)
                return -1;
        for (size_t step = 0; step < ring->n; step++) {
                const struct topo_core *c = &t->cores[ring->cores[(pos + step) % ring->n]];
                int cpu = core_pu(c, allowed, pos / ring->n);

                if (cpu >= 0)
                        return cpu;
        }
        return -1;
}

/* The Nth CPU of SET, counting from 0. O(N) words. */
static int nth_cpu(hwloc_const_bitmap_t set, unsigned n)
{
        int cpu = hwloc_bitmap_first(set);

        while (n-- > 0 && cpu >= 0)
                cpu = hwloc_bitmap_next(set, cpu);
        return cpu;
}

static void rings_done(struct rings *r)
{
        free(r->cores);
        free(r->first);
}

/* Every ring at once: building one per device would cost O(C) per device. */
static int rings_build(const struct topology *t, struct rings *ret)
{
        _cleanup_free_ size_t *at = malloc((t->n_nodes + 1) * sizeof(*at));
        size_t n = 0;

        ret->cores = malloc((2 * t->n_cores + 1) * sizeof(*ret->cores));
        ret->first = calloc(t->n_nodes + 2, sizeof(*ret->first));
        if (!at || !ret->cores || !ret->first)
                return -ENOMEM;
        for (size_t c = 0; c < t->n_cores; c++)
                if (hwloc_bitmap_intersects(t->cores[c].pus, t->usable))
                        ret->cores[n++] = c;
        /* The nodes' rings follow ring 0: a counting sort by node, which keeps
         * topology order within a node. */
        ret->first[1] = n;
        for (size_t k = 0; k < n; k++)
                if (t->cores[ret->cores[k]].node >= 0)
                        ret->first[t->cores[ret->cores[k]].node + 2]++;
        for (size_t j = 2; j < t->n_nodes + 2; j++)
                ret->first[j] += ret->first[j - 1];
        for (size_t j = 0; j < t->n_nodes; j++)
                at[j] = ret->first[j + 1];
        for (size_t k = 0; k < n; k++)
                if (t->cores[ret->cores[k]].node >= 0)
                        ret->cores[at[t->cores[ret->cores[k]].node]++] = ret->cores[k];
        return 0;
}

/* Ring 0 for J < 0, else node index J's. */
static struct ring ring_of(const struct rings *r, int j)
{
        size_t k = j < 0 ? 0 : (size_t) j + 1;

        return (struct ring) { r->cores + r->first[k], r->first[k + 1] - r->first[k] };
}

static int numa_local_plan(const struct policy_input *in, struct plan *ret)
{
        const struct topology *t = in->topo;
        _cleanup_free_ size_t *order = NULL;
        _cleanup_free_ size_t *slot = NULL;
        _cleanup_(nodemap_done) struct nodemap nodes = {};
        struct rings rings = {};
        struct ring all, local = {};
        size_t n = 0, k = 0, pos = 0, pos_all = 0;
        const char *dev = NULL;
        int r, node = -1;  /* node index of LOCAL; -1 = every core */

        r = policy_plan_movable(in, ret);
        if (r < 0)
                return r;
        order = malloc((in->n ? in->n : 1) * sizeof(*order));
        slot = malloc((in->n ? in->n : 1) * sizeof(*slot));
        if (!order || !slot) {
                r = -ENOMEM;
                goto finish;
        }
        for (size_t i = 0; i < in->n; i++)
                if (in->irqs[i].movable) {
                        slot[i] = k++;
                        order[n++] = i;
                }
        qsort_r(order, n, sizeof(*order), cmp_queue, (void *) in->irqs);
        r = rings_build(t, &rings);
        if (r >= 0)
                r = nodemap_init(&nodes, t);
        if (r < 0)
                goto finish;
        all = ring_of(&rings, -1);

        for (size_t j = 0; j < n; j++) {
                const struct policy_irq *q = &in->irqs[order[j]];
                struct placement *p = &ret->items[slot[order[j]]];
                const char *d = device_of(q);
                int cpu = -1;

                if (!d) {
                        cpu = ring_cpu(t, &all, q->allowed, pos_all++);
                        if (cpu >= 0)
                                plan_set_reason(ret, p, "no device: next core round-robin");
                } else {
                        if (!dev || strcmp(dev, d) != 0) {
                                /* A new device starts at its node's first core. */
                                dev = d;
                                pos = 0;
                                node = nodemap_index(&nodes, q->node);
                                local = ring_of(&rings, node);
                        }
                        cpu = ring_cpu(t, &local, q->allowed, pos);
                        if (cpu >= 0 && node >= 0)
                                plan_set_reason(ret, p,
                                                "node %d (device), queue %zu of the device: core %zu of %zu",
                                                q->node, pos, pos % local.n, local.n);
                        else if (cpu >= 0)
                                plan_set_reason(ret, p,
                                                "no device node, queue %zu of the device: core %zu of %zu",
                                                pos, pos % local.n, local.n);
                        pos++;
                }
                if (cpu < 0) {
                        /* Nothing allowed where it should go: any allowed core. */
                        cpu = ring_cpu(t, &all, q->allowed, q->irq);
                        plan_set_reason(ret, p, "no allowed CPU on its node: core by IRQ number");
                }
                if (cpu < 0 && !hwloc_bitmap_iszero(q->allowed)) {
                        /* Its allowed CPUs are in no core hwloc knows (a topology
                         * without cores): the allowed CPU by IRQ number. */
                        cpu = nth_cpu(q->allowed, q->irq % (unsigned) hwloc_bitmap_weight(q->allowed));
                        plan_set_reason(ret, p, "allowed CPUs in no known core: CPU by IRQ number");
                }
                if (cpu < 0) {
                        r = -EINVAL;  /* the caller must leave such an IRQ unmovable */
                        goto finish;
                }
                r = plan_set_cpu(ret, p, (unsigned) cpu);
                if (r < 0)
                        goto finish;
        }
        r = 0;
finish:
        rings_done(&rings);
        if (r < 0)
                plan_done(ret);
        return r;
}

const struct irqbal_policy policy_numa_local = {
        .name = "numa-local",
        .description = "each device's queues one per core of its NUMA node, in queue order",
        .plan = numa_local_plan,
};
