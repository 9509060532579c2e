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
 * Complexity: O(I log I) for the sort, then O(I·K) where K is the number of cores
 * walked past to find an allowed PU (the node's cores at most; usually 1). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/macro.h"
#include "irqbal/topology.h"
#include "common.h"

struct ring {
        size_t *cores;          /* core indexes, in topology order */
        size_t n;
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

static void ring_done(struct ring *r)
{
        free(r->cores);
        r->cores = NULL;
        r->n = 0;
}

/* The cores of node index NODE (every core when NODE < 0) with a usable PU. */
static int ring_build(const struct topology *t, int node, struct ring *ret)
{
        ret->n = 0;
        ret->cores = malloc((t->n_cores ? t->n_cores : 1) * sizeof(*ret->cores));
        if (!ret->cores)
                return -ENOMEM;
        for (size_t c = 0; c < t->n_cores; c++)
                if ((node < 0 || t->cores[c].node == node) &&
                    hwloc_bitmap_intersects(t->cores[c].pus, t->usable))
                        ret->cores[ret->n++] = c;
        return 0;
}

static int node_index(const struct topology *t, int os_index)
{
        for (size_t k = 0; k < t->n_nodes; k++)
                if (t->nodes[k].os_index == os_index)
                        return (int) k;
        return -1;
}

static int numa_local_plan(const struct policy_input *in, struct plan *ret)
{
        const struct topology *t = in->topo;
        _cleanup_free_ size_t *order = NULL;
        _cleanup_free_ size_t *slot = NULL;
        struct ring all = {}, local = {};
        size_t n = 0, k = 0, pos = 0, pos_all = 0;
        const char *dev = NULL;
        int r, node = -2;  /* node index of LOCAL; -1 = every core, -2 = not built */

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
        r = ring_build(t, -1, &all);
        if (r < 0)
                goto finish;

        for (size_t j = 0; j < n; j++) {
                const struct policy_irq *q = &in->irqs[order[j]];
                struct placement *p = &ret->items[slot[order[j]]];
                const char *d = device_of(q);
                int cpu = -1;

                if (!d) {
                        cpu = ring_cpu(t, &all, q->allowed, pos_all++);
                        if (cpu >= 0)
                                snprintf(p->reason, sizeof(p->reason),
                                         "no device: next core round-robin");
                } else {
                        if (!dev || strcmp(dev, d) != 0) {
                                /* A new device starts at its node's first core. */
                                dev = d;
                                pos = 0;
                                if (node != node_index(t, q->node)) {
                                        node = node_index(t, q->node);
                                        ring_done(&local);
                                        r = ring_build(t, node, &local);
                                        if (r < 0)
                                                goto finish;
                                }
                        }
                        cpu = ring_cpu(t, &local, q->allowed, pos);
                        if (cpu >= 0 && node >= 0)
                                snprintf(p->reason, sizeof(p->reason),
                                         "node %d (device), queue %zu of the device: core %zu of %zu",
                                         q->node, pos, pos % local.n, local.n);
                        else if (cpu >= 0)
                                snprintf(p->reason, sizeof(p->reason),
                                         "no device node, queue %zu of the device: core %zu of %zu",
                                         pos, pos % local.n, local.n);
                        pos++;
                }
                if (cpu < 0) {
                        /* Nothing allowed where it should go: any allowed core. */
                        cpu = ring_cpu(t, &all, q->allowed, q->irq);
                        snprintf(p->reason, sizeof(p->reason),
                                 "no allowed CPU on its node: core by IRQ number");
                }
                if (cpu < 0) {
                        r = -EINVAL;  /* the caller must leave such an IRQ unmovable */
                        goto finish;
                }
                hwloc_bitmap_only(p->cpus, (unsigned) cpu);
        }
        r = 0;
finish:
        ring_done(&all);
        ring_done(&local);
        if (r < 0)
                plan_done(ret);
        return r;
}

const struct irqbal_policy policy_numa_local = {
        .name = "numa-local",
        .description = "each device's queues one per core of its NUMA node, in queue order",
        .plan = numa_local_plan,
};
