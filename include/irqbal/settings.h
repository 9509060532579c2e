/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <hwloc.h>
#include <stdbool.h>

#include "irqbal/config.h"
#include "irqbal/options.h"
#include "irqbal/policy.h"

/* What the daemon runs with: each setting from the command line if given there, else
 * from the policy files ([Daemon], later files winning), else the built-in default. */
struct settings {
        const struct irqbal_policy *policy;
        double interval;                /* seconds */
        hwloc_bitmap_t banned;          /* admin-banned CPUs */
        bool ban_isolated;
        bool restore_on_exit;
        bool respect_external_pins;
        struct policy_params params;    /* .housekeeping points at housekeeping below */
        hwloc_bitmap_t housekeeping;    /* empty = the policy's default set */
        /* Where the policy and the banned CPUs came from: "command line", "default" or
         * "FILE:LINE", for status and Explain. */
        char policy_from[256];
        char banned_from[256];
};

/* Merges OPTS and CONF (may be NULL: no files) into RET, which settings_done() frees.
 * -EINVAL when the command line names an unknown policy (said on stderr by the
 * caller: OPTS was parsed before policies were looked up). */
int settings_merge(const struct options *opts, const struct config *conf, struct settings *ret);
void settings_done(struct settings *s);
