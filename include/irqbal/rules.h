/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "irqbal/config.h"
#include "irqbal/irq.h"

/* What the rules of a configuration say about one IRQ. Rules apply in file-name order
 * and a later rule wins key by key: a CPUs= in 50-x.conf replaces one in 10-y.conf,
 * while 10-y.conf's Weight= stays when 50-x.conf sets none. */
struct rule_effect {
        bool ban;                       struct config_origin ban_origin;
        hwloc_const_bitmap_t cpus;      struct config_origin cpus_origin;      /* NULL = no CPUs= */
        int node;                       struct config_origin node_origin;      /* valid when set */
        const char *policy;             struct config_origin policy_origin;    /* NULL = no Policy= */
        double weight;                  struct config_origin weight_origin;    /* 1 when unset */
        bool exclusive;                 struct config_origin exclusive_origin;
        unsigned n_matched;             /* rules that matched */
};

/* True when every [Match] key RULE gives matches IRQ. Globs are fnmatch(3) patterns
 * without flags; a key whose IRQ field is unknown (no device, no driver …) does not
 * match. */
bool rule_matches(const struct config_rule *rule, const struct irq *irq);

/* Resolves every rule of CONF (which may be NULL: no rules) for IRQ into RET. The
 * pointers in RET point into CONF. */
void rules_resolve(const struct config *conf, const struct irq *irq, struct rule_effect *ret);

/* "Ban=yes from /etc/irqbald/policy.d/10-rt.conf:4" style text for an origin. */
const char *config_origin_format(const struct config_origin *o, char *buf, size_t size);
