/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/cpuset.h"
#include "irqbal/macro.h"
#include "irqbal/report.h"

/* A set as a cpulist, or JSON null when the kernel gave none. */
static void json_cpulist(struct json_writer *w, hwloc_const_bitmap_t set, bool known)
{
        _cleanup_free_ char *s = NULL;

        if (!known) {
                json_null(w);
                return;
        }
        s = cpulist_format(set);
        json_string(w, s ? s : "");
}

static void irq_to_json(const struct irq *irq, struct json_writer *w)
{
        json_begin_object(w);
        json_key(w, "irq");
        json_uint(w, irq->number);
        json_key(w, "name");
        json_string(w, irq->name);
        json_key(w, "chip");
        json_string(w, irq->chip);
        json_key(w, "hwirq");
        json_string(w, irq->hwirq);
        json_key(w, "trigger");
        json_string(w, irq->trigger);
        json_key(w, "device");
        json_string(w, irq->device);
        json_key(w, "driver");
        json_string(w, irq->driver);
        json_key(w, "interface");
        json_string(w, irq->interface);
        json_key(w, "class");
        json_string(w, irq_class_to_string(irq->class));
        json_key(w, "node");
        if (irq->node >= 0)
                json_int(w, irq->node);
        else
                json_null(w);
        json_key(w, "movable");
        json_bool(w, irq_is_balanced(irq));
        json_key(w, "unmovable_reason");
        json_string(w, irq_unbalanced_reason(irq));
        json_key(w, "affinity");
        json_cpulist(w, irq->affinity, true);
        json_key(w, "effective");
        json_cpulist(w, irq->effective, irq->has_effective);
        json_key(w, "hint");
        json_cpulist(w, irq->hint, irq->hint != NULL);
        json_key(w, "count");
        json_uint(w, irq->count);
        json_key(w, "rate");
        json_double(w, irq->rate);
        json_end_object(w);
}

/* How a placement changes an IRQ: the order the plan is printed in. */
enum placement_change {
        PLACEMENT_MOVES,     /* to another CPU */
        PLACEMENT_NARROWS,   /* a new mask, on the CPU it runs on (irq_stays_on_its_cpu()) */
        PLACEMENT_SAME,
        _PLACEMENT_CHANGE_MAX,
};

static enum placement_change placement_change(const struct irq *irq, hwloc_const_bitmap_t to)
{
        if (hwloc_bitmap_isequal(irq->affinity, to))
                return PLACEMENT_SAME;
        return irq_stays_on_its_cpu(irq, to) ? PLACEMENT_NARROWS : PLACEMENT_MOVES;
}

static void plan_to_json(const struct observation *obs, struct json_writer *w)
{
        json_begin_array(w);
        for (size_t i = 0; i < obs->plan->n; i++) {
                const struct placement *p = &obs->plan->items[i];
                const struct irq *irq = inventory_find(obs->inv, p->irq);

                if (!irq)
                        continue;
                json_begin_object(w);
                json_key(w, "irq");
                json_uint(w, p->irq);
                json_key(w, "name");
                json_string(w, irq->name);
                json_key(w, "from");
                json_cpulist(w, irq->affinity, true);
                json_key(w, "to");
                json_cpulist(w, p->cpus, true);
                json_key(w, "change");
                json_bool(w, !hwloc_bitmap_isequal(irq->affinity, p->cpus));
                json_key(w, "moves");
                json_bool(w, placement_change(irq, p->cpus) == PLACEMENT_MOVES);
                json_key(w, "load");
                json_double(w, irq->load);
                json_key(w, "reason");
                json_string(w, p->reason);
                json_end_object(w);
        }
        json_end_array(w);
}

void report_json(const struct observation *obs, bool pretty, GString *out)
{
        struct json_writer w;

        json_writer_init(&w, out, pretty);
        json_begin_object(&w);
        json_key(&w, "version");
        json_string(&w, PACKAGE_VERSION);
        json_key(&w, "root");
        json_string(&w, obs->root);
        json_key(&w, "sample_window");
        json_double(&w, obs->window);
        json_key(&w, "malformed_lines");
        json_uint(&w, obs->malformed_lines);
        json_key(&w, "topology");
        topology_to_json(obs->topo, &w);
        json_key(&w, "irqs");
        json_begin_array(&w);
        for (size_t i = 0; i < obs->inv->n; i++)
                irq_to_json(&obs->inv->irqs[i], &w);
        json_end_array(&w);
        if (obs->plan) {
                json_key(&w, "policy");
                json_string(&w, obs->policy);
                json_key(&w, "peak_load");
                json_double(&w, obs->peak_load);
                json_key(&w, "plan");
                plan_to_json(obs, &w);
        }
        json_end_object(&w);
        g_string_append_c(out, '\n');
}

enum { COL_IRQ, COL_NAME, COL_DEVICE, COL_DRIVER, COL_CLASS, COL_NODE, COL_AFFINITY,
       COL_EFFECTIVE, COL_RATE, COL_STATE, _COL_MAX };

static const char *const headers[_COL_MAX] = {
        "IRQ", "NAME", "DEVICE", "DRIVER", "CLASS", "NODE", "AFFINITY", "EFFECTIVE",
        "RATE/s", "STATE",
};

static void irq_cells(const struct irq *irq, char **cells)
{
        cells[COL_IRQ] = g_strdup_printf("%u", irq->number);
        cells[COL_NAME] = g_strdup(irq->name[0] ? irq->name : "-");
        cells[COL_DEVICE] = g_strdup(irq->device ? irq->device : irq->chip);
        cells[COL_DRIVER] = g_strdup(irq->driver ? irq->driver : "-");
        cells[COL_CLASS] = g_strdup(irq_class_to_string(irq->class));
        cells[COL_NODE] = irq->node >= 0 ? g_strdup_printf("%d", irq->node) : g_strdup("-");
        cells[COL_AFFINITY] = cpulist_format(irq->affinity);
        cells[COL_EFFECTIVE] = irq->has_effective ? cpulist_format(irq->effective) : strdup("-");
        cells[COL_RATE] = g_strdup_printf("%.1f", irq->rate);
        cells[COL_STATE] = g_strdup(irq_is_balanced(irq) ? "movable" : irq_unbalanced_reason(irq));
}

/* Columns as wide as their widest cell; the last one is not padded. */
static void irq_table(const struct irq_inventory *inv, GString *out)
{
        size_t rows = inv->n + 1, width[_COL_MAX] = {};
        char **cells = g_new0(char *, rows * _COL_MAX);

        for (int c = 0; c < _COL_MAX; c++)
                cells[c] = g_strdup(headers[c]);
        for (size_t i = 0; i < inv->n; i++)
                irq_cells(&inv->irqs[i], cells + (i + 1) * _COL_MAX);
        for (size_t i = 0; i < rows * _COL_MAX; i++)
                if (strlen(cells[i]) > width[i % _COL_MAX])
                        width[i % _COL_MAX] = strlen(cells[i]);
        for (size_t r = 0; r < rows; r++) {
                for (int c = 0; c < _COL_MAX; c++) {
                        const char *cell = cells[r * _COL_MAX + c];
                        bool right = c == COL_IRQ || c == COL_RATE;

                        if (c == _COL_MAX - 1)
                                g_string_append(out, cell);
                        else
                                g_string_append_printf(out, right ? "%*s  " : "%-*s  ",
                                                       (int) width[c], cell);
                }
                g_string_append_c(out, '\n');
        }
        for (size_t i = 0; i < rows * _COL_MAX; i++)
                g_free(cells[i]);
        g_free(cells);
}

/* IRQ, name, from → to, reason: moves first, so they are what one reads; a mask wider
 * than the CPU the IRQ runs on says which one that is. */
void report_plan_text(const struct observation *obs, GString *out)
{
        size_t n = obs->plan->n, count[_PLACEMENT_CHANGE_MAX] = {};
        int width = 0;
        char **from = g_new0(char *, n);
        enum placement_change *change = g_new0(enum placement_change, n);
        const struct irq **irqs = g_new0(const struct irq *, n);

        for (size_t i = 0; i < n; i++) {
                const struct placement *p = &obs->plan->items[i];
                const struct irq *irq = irqs[i] = inventory_find(obs->inv, p->irq);

                if (!irq)
                        continue;
                change[i] = placement_change(irq, p->cpus);
                count[change[i]]++;
                from[i] = irq_placement_format(irq);
                width = MAX(width, from[i] ? (int) strlen(from[i]) : 1);
        }
        for (int pass = 0; pass < _PLACEMENT_CHANGE_MAX; pass++)
                for (size_t i = 0; i < n; i++) {
                        const struct placement *p = &obs->plan->items[i];
                        const struct irq *irq = irqs[i];
                        _cleanup_free_ char *to = NULL;

                        if (!irq || (int) change[i] != pass)
                                continue;
                        to = cpulist_format(p->cpus);
                        g_string_append_printf(out, "%5u  %-24s %*s %s %-9s %s\n", p->irq,
                                               irq->name[0] ? irq->name : "-", width,
                                               from[i] ? from[i] : "?",
                                               change[i] == PLACEMENT_SAME ? "=" : "→",
                                               to ? to : "?", p->reason);
                }
        g_string_append_printf(out, "Policy %s: %zu of %zu movable IRQs move to another CPU",
                               obs->policy, count[PLACEMENT_MOVES], n);
        if (count[PLACEMENT_NARROWS])
                g_string_append_printf(out, "; %zu keep their CPU, with a narrower mask",
                                       count[PLACEMENT_NARROWS]);
        g_string_append_printf(out, "; busiest CPU's load %.3f.\n", obs->peak_load);
        for (size_t i = 0; i < n; i++)
                free(from[i]);
        g_free(from);
        g_free(change);
        g_free(irqs);
}

void report_text(const struct observation *obs, GString *out)
{
        size_t movable = 0;

        topology_to_text(obs->topo, out);
        for (size_t i = 0; i < obs->inv->n; i++)
                movable += irq_is_balanced(&obs->inv->irqs[i]);
        g_string_append_printf(out, "\n%zu IRQs (%zu movable), rates over %.1f s",
                               obs->inv->n, movable, obs->window);
        if (obs->malformed_lines)
                g_string_append_printf(out, ", %u malformed lines skipped", obs->malformed_lines);
        g_string_append(out, ":\n");
        irq_table(obs->inv, out);
        if (obs->plan) {
                g_string_append_printf(out, "\nPlan (%s):\n", obs->policy);
                report_plan_text(obs, out);
        }
}
