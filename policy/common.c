/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/macro.h"
#include "irqbal/topology.h"
#include "common.h"

int loadmap_init(struct loadmap *m, const struct topology *t)
{
        size_t n = t->n_cpus;

        *m = (struct loadmap) { .topo = t, .n_slots = t->n_cores + n };
        /* Kernel CPU numbers are dense enough (≤ a few thousand) for a direct table. */
        m->n_index_of = n ? t->cpus[n - 1].os_index + 1 : 0;
        m->slot_of = calloc(n ? n : 1, sizeof(*m->slot_of));
        m->index_of = malloc((m->n_index_of ? m->n_index_of : 1) * sizeof(*m->index_of));
        m->cpu = calloc(n ? n : 1, sizeof(*m->cpu));
        m->core = calloc(m->n_slots ? m->n_slots : 1, sizeof(*m->core));
        m->known = hwloc_bitmap_alloc();
        if (!m->slot_of || !m->index_of || !m->cpu || !m->core || !m->known) {
                loadmap_done(m);
                return -ENOMEM;
        }
        for (size_t i = 0; i < m->n_index_of; i++)
                m->index_of[i] = -1;
        for (size_t i = 0; i < n; i++) {
                const struct topo_cpu *c = &t->cpus[i];

                m->index_of[c->os_index] = (int) i;
                m->slot_of[i] = c->core >= 0 ? (size_t) c->core : t->n_cores + i;
                hwloc_bitmap_set(m->known, c->os_index);
        }
        return 0;
}

void loadmap_done(struct loadmap *m)
{
        free(m->slot_of);
        free(m->index_of);
        free(m->cpu);
        free(m->core);
        hwloc_bitmap_free(m->known);
        *m = (struct loadmap) {};
}

int loadmap_index(const struct loadmap *m, unsigned os)
{
        return os < m->n_index_of ? m->index_of[os] : -1;
}

void loadmap_add(struct loadmap *m, size_t idx, double load)
{
        m->cpu[idx] += load;
        m->core[m->slot_of[idx]] += load;
}

void loadmap_add_spread(struct loadmap *m, hwloc_const_bitmap_t set, double load)
{
        unsigned os, n = 0;

        hwloc_bitmap_foreach_begin(os, set) {
                if (loadmap_index(m, os) >= 0)
                        n++;
        } hwloc_bitmap_foreach_end();
        if (n == 0)
                return;
        hwloc_bitmap_foreach_begin(os, set) {
                int idx = loadmap_index(m, os);

                if (idx >= 0)
                        loadmap_add(m, (size_t) idx, load / n);
        } hwloc_bitmap_foreach_end();
}

void loadmap_add_unmovable(struct loadmap *m, const struct policy_input *in)
{
        for (size_t i = 0; i < in->n; i++)
                if (!in->irqs[i].movable && in->irqs[i].current)
                        loadmap_add_spread(m, in->irqs[i].current, in->irqs[i].load);
}

int nodemap_init(struct nodemap *nm, const struct topology *t)
{
        *nm = (struct nodemap) {};
        for (size_t k = 0; k < t->n_nodes; k++)
                if (t->nodes[k].os_index >= 0 && (size_t) t->nodes[k].os_index >= nm->n)
                        nm->n = (size_t) t->nodes[k].os_index + 1;
        nm->index = malloc((nm->n ? nm->n : 1) * sizeof(*nm->index));
        if (!nm->index)
                return -ENOMEM;
        for (size_t k = 0; k < nm->n; k++)
                nm->index[k] = -1;
        for (size_t k = 0; k < t->n_nodes; k++)
                if (t->nodes[k].os_index >= 0)
                        nm->index[t->nodes[k].os_index] = (int) k;
        return 0;
}

void nodemap_done(struct nodemap *nm)
{
        free(nm->index);
        *nm = (struct nodemap) {};
}

int nodemap_index(const struct nodemap *nm, int os_index)
{
        return os_index >= 0 && (size_t) os_index < nm->n ? nm->index[os_index] : -1;
}

static int cmp_device(const void *a, const void *b, void *irqs)
{
        const struct policy_irq *x = (const struct policy_irq *) irqs + *(const size_t *) a;
        const struct policy_irq *y = (const struct policy_irq *) irqs + *(const size_t *) b;

        return strcmp(x->device, y->device);
}

int policy_device_ids(const struct policy_input *in, int **ret_ids)
{
        _cleanup_free_ size_t *order = NULL;
        size_t n = in->n ? in->n : 1, n_runs = 0, *id_of_run;
        const char *last = NULL;
        int *ids, next = 0;

        /* A device's IRQs follow each other in IRQ order: only the first of each run of
         * equal names is sorted, so that the common input sorts a handful of names. */
        ids = malloc(n * sizeof(*ids));
        order = malloc(2 * n * sizeof(*order));
        if (!ids || !order) {
                free(ids);
                return -ENOMEM;
        }
        id_of_run = order + n;
        for (size_t i = 0; i < in->n; i++) {
                const char *dev = in->irqs[i].device;

                ids[i] = -1;
                if (!dev || !dev[0])
                        continue;
                if (!last || strcmp(dev, last) != 0) {
                        order[n_runs++] = i;
                        last = dev;
                }
                ids[i] = (int) n_runs - 1;
        }
        qsort_r(order, n_runs, sizeof(*order), cmp_device, (void *) in->irqs);
        for (size_t k = 0; k < n_runs; k++) {
                if (k > 0 && strcmp(in->irqs[order[k]].device, in->irqs[order[k - 1]].device) != 0)
                        next++;
                id_of_run[ids[order[k]]] = (size_t) next;
        }
        for (size_t i = 0; i < in->n; i++)
                if (ids[i] >= 0)
                        ids[i] = (int) id_of_run[ids[i]];
        *ret_ids = ids;
        return n_runs ? next + 1 : 0;
}

int policy_plan_movable(const struct policy_input *in, struct plan *ret)
{
        size_t n = 0, k = 0;
        int r;

        for (size_t i = 0; i < in->n; i++)
                n += in->irqs[i].movable;
        r = plan_init(ret, n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < in->n; i++)
                if (in->irqs[i].movable)
                        ret->items[k++].irq = in->irqs[i].irq;
        return 0;
}

long policy_queue_number(const char *name)
{
        const char *end, *p;

        if (!name)
                return -1;
        end = name + strlen(name);
        p = end;
        while (p > name && isdigit((unsigned char) p[-1]))
                p--;
        /* Ten digits would not be a queue number but a serial or an address. */
        if (p == end || end - p > 9)
                return -1;
        return strtol(p, NULL, 10);
}

const char *policy_cpulist(hwloc_const_bitmap_t set, char *buf, size_t size)
{
        if (hwloc_bitmap_list_snprintf(buf, size, set) >= (int) size)
                buf[0] = 0;
        return buf;
}
