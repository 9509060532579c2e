/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <hwloc.h>
#include <stdbool.h>
#include <stdio.h>

enum output_format { FORMAT_TEXT, FORMAT_JSON };

/* Options given on the command line: those win over the policy files. */
enum option_given {
        OPTION_GIVEN_POLICY        = 1u << 0,
        OPTION_GIVEN_INTERVAL      = 1u << 1,
        OPTION_GIVEN_BANNED        = 1u << 2,
        OPTION_GIVEN_HYSTERESIS    = 1u << 3,
        OPTION_GIVEN_PACK          = 1u << 4,
        OPTION_GIVEN_HOUSEKEEPING  = 1u << 5,
        OPTION_GIVEN_RESTORE       = 1u << 6,
        OPTION_GIVEN_PINS          = 1u << 7,
};

/* Every runtime option in one place, passed as const * (no option globals). */
struct options {
        char *root;             /* --root, default "/" */
        char *topology;         /* --topology SPEC or NULL */
        bool oneshot;
        bool dry_run;
        bool foreground;
        double interval;        /* seconds between cycles */
        double window;          /* seconds a --oneshot run samples before it reports */
        enum output_format format;
        hwloc_bitmap_t banned;  /* --ban-cpus */
        int log_level;
        char *policy;           /* --policy NAME, NULL = the default policy */
        bool list_policies;
        double hysteresis;      /* --hysteresis: share of the peak a move must gain */
        bool restore_on_exit;   /* --no-restore turns it off */
        bool respect_external_pins;  /* --override-pins turns it off */
        double pack_low, pack_high;  /* --pack-thresholds=LOW:HIGH, CPUs' worth of load */
        hwloc_bitmap_t housekeeping; /* --housekeeping-cpus; empty = the default set */
        bool check_config;      /* --check-config: check the policy files and exit */
        bool no_bus;            /* --no-bus: do not connect to the system bus */
        unsigned given;         /* enum option_given bits */
};

/* Returns 0 to run, 1 when --help or --version was handled (exit 0), or -EINVAL
 * after printing what was wrong to stderr. */
int options_parse(int argc, char **argv, struct options *ret);
void options_done(struct options *o);
void options_help(FILE *f);
