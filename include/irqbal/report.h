/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "irqbal/inventory.h"
#include "irqbal/policy.h"
#include "irqbal/topology.h"

/* What the daemon observed in one sample: the machine and its IRQs. */
struct observation {
        const char *root;              /* the --root it ran on */
        const struct topology *topo;
        const struct irq_inventory *inv;
        double window;                 /* seconds the rates were measured over */
        unsigned malformed_lines;      /* skipped lines in the /proc files read */
        const char *policy;            /* name of the policy that made the plan */
        const struct plan *plan;       /* NULL when there is none */
        double peak_load;              /* busiest CPU's load under the plan */
};

/* One JSON object: {version, root, sample_window, malformed_lines, topology, irqs,
 * policy, peak_load, plan}. */
void report_json(const struct observation *obs, bool pretty, GString *out);
/* The same for a person: the topology tree, a table of IRQs and the plan. */
void report_text(const struct observation *obs, GString *out);
/* Just the plan: one line per movable IRQ, moves first, and a summary line. */
void report_plan_text(const struct observation *obs, GString *out);
