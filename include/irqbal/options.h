/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <hwloc.h>
#include <stdbool.h>
#include <stdio.h>

enum output_format { FORMAT_TEXT, FORMAT_JSON };

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
};

/* Returns 0 to run, 1 when --help or --version was handled (exit 0), or -EINVAL
 * after printing what was wrong to stderr. */
int options_parse(int argc, char **argv, struct options *ret);
void options_done(struct options *o);
void options_help(FILE *f);
