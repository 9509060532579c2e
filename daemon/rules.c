/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rules of the policy files applied to one IRQ: which rules match it and what their
 * [Placement] keys add up to. Pure: no I/O, no allocation; the result points into the
 * configuration.
 *
 * Complexity: O(R × G) per IRQ, where R is the number of rules and G the globs and list
 * items a rule gives (fnmatch per glob, a bitmap test per number list). The caller
 * resolves once per inventory or configuration change and keeps the result, not once
 * per balancing cycle: matching does not depend on loads. */
#include <fnmatch.h>
#include <stdio.h>

#include "irqbal/rules.h"

/* Does any glob of GLOBS match S? An unknown S (NULL, or "" as the inventory writes
 * for an IRQ without an action name) matches nothing, not even "*": a rule must never
 * catch an IRQ by a property it does not have. */
static bool glob_any(char *const *globs, const char *s)
{
        if (!globs || !s || !s[0])
                return false;
        for (; *globs; globs++)
                if (fnmatch(*globs, s, 0) == 0)
                        return true;
        return false;
}

static bool match_key(const struct config_rule *rule, enum rule_match_key k,
                      const struct irq *irq)
{
        switch (k) {
        case MATCH_IRQ:
                return rule->irqs && hwloc_bitmap_isset(rule->irqs, irq->number);
        case MATCH_NAME:
                return glob_any(rule->names, irq->name);
        case MATCH_DRIVER:
                return glob_any(rule->drivers, irq->driver);
        case MATCH_DEVICE:
                return glob_any(rule->devices, irq->device);
        case MATCH_CLASS:
                return (unsigned) irq->class < _IRQ_CLASS_MAX &&
                       (rule->classes & (1u << irq->class));
        case MATCH_INTERFACE:
                return glob_any(rule->interfaces, irq->interface);
        case MATCH_NODE:
                return irq->node >= 0 && rule->nodes &&
                       hwloc_bitmap_isset(rule->nodes, (unsigned) irq->node);
        case _MATCH_MAX:
                break;
        }
        return false;
}

bool rule_matches(const struct config_rule *rule, const struct irq *irq)
{
        bool any = false;

        for (int k = 0; k < _MATCH_MAX; k++) {
                if (!rule->match_lines[k])
                        continue;
                if (!match_key(rule, (enum rule_match_key) k, irq))
                        return false;
                any = true;
        }
        /* An empty [Match] would catch every IRQ: config.c rejects it, and should one
         * slip through it must not move the whole machine. */
        return any;
}

static void set_origin(struct config_origin *o, const struct config_rule *rule,
                       enum rule_placement_key k)
{
        *o = (struct config_origin) { .file = rule->file, .line = rule->placement_lines[k] };
}

void rules_resolve(const struct config *conf, const struct irq *irq, struct rule_effect *ret)
{
        *ret = (struct rule_effect) { .node = -1, .weight = 1 };
        if (!conf)
                return;
        for (size_t i = 0; i < conf->n_rules; i++) {
                const struct config_rule *rule = &conf->rules[i];
                const unsigned *lines = rule->placement_lines;

                if (!rule_matches(rule, irq))
                        continue;
                ret->n_matched++;
                /* Key by key: a later rule overrides only what it says. */
                if (lines[PLACE_BAN]) {
                        ret->ban = rule->ban;
                        set_origin(&ret->ban_origin, rule, PLACE_BAN);
                }
                if (lines[PLACE_CPUS]) {
                        ret->cpus = rule->cpus;
                        set_origin(&ret->cpus_origin, rule, PLACE_CPUS);
                }
                if (lines[PLACE_NODE]) {
                        ret->node = rule->node;
                        set_origin(&ret->node_origin, rule, PLACE_NODE);
                }
                if (lines[PLACE_POLICY]) {
                        ret->policy = rule->policy;
                        set_origin(&ret->policy_origin, rule, PLACE_POLICY);
                }
                if (lines[PLACE_WEIGHT]) {
                        ret->weight = rule->weight;
                        set_origin(&ret->weight_origin, rule, PLACE_WEIGHT);
                }
                if (lines[PLACE_EXCLUSIVE]) {
                        ret->exclusive = rule->exclusive;
                        set_origin(&ret->exclusive_origin, rule, PLACE_EXCLUSIVE);
                }
        }
}

const char *config_origin_format(const struct config_origin *o, char *buf, size_t size)
{
        if (size == 0)
                return buf;
        if (!o || !o->file)
                buf[0] = 0;
        else if (o->line == 0)
                snprintf(buf, size, "%s", o->file);
        else
                snprintf(buf, size, "%s:%u", o->file, o->line);
        return buf;
}
