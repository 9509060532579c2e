/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "irqbal/inventory.h"
#include "irqbal/topology.h"

/* What the daemon observed in one sample: the machine and its IRQs. */
struct observation {
        const char *root;              /* the --root it ran on */
        const struct topology *topo;
        const struct irq_inventory *inv;
        double window;                 /* seconds the rates were measured over */
        unsigned malformed_lines;      /* skipped lines in the /proc files read */
};

/* One JSON object: {version, root, sample_window, malformed_lines, topology, irqs}. */
void report_json(const struct observation *obs, bool pretty, GString *out);
/* The same for a person: the topology tree and a table of IRQs. */
void report_text(const struct observation *obs, GString *out);
