/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

#include "machine.h"
#include "rootfs.h"
#include "scenario.h"

/* The quality figures of DESIGN.md §6, measured on the simulated machine's ground
 * truth (what each CPU really handled), step by step and summed up per phase. */

/* A placement has converged once the peak stays within this factor of the bound. */
#define CONVERGED_RATIO 1.10

struct step_record {
        size_t phase;
        double peak, lower_bound;       /* µs of IRQ work per s */
        /* The peak, under this step's loads, of a simple placement chosen on the
         * expected rates within the machine's constraints (usable CPUs, the device's
         * node when it has usable CPUs, managed and pinned IRQs where they are): an
         * estimate of what the constraints allow, since an IRQ cannot be split over
         * CPUs; the best placement is no worse, maybe better. */
        double best;
        /* A proven lower bound on the peak of every placement within those same
         * constraints, under this step's loads (constrained_bound() in figures.c): what
         * "where the constraints allow" is judged against. Never above best; above
         * lower_bound where the constraints keep it out of reach (a node whose devices
         * carry more than its share, whole IRQs, managed load). */
        double constrained;
        /* The peak of the daemon's placement this step under the expected loads
         * (rate × cost, without the step's noise): set beside best and constrained,
         * which are from expected loads too, it tells a placement that is off from
         * one that is right but met a noisy step. */
        double placed_expected;
        double local, with_node;        /* load of device IRQs on their node / in all */
        /* The same for the IRQs a daemon may place on their node: movable (not
         * managed, not pinned) IRQs of devices whose node has a usable CPU. */
        double local_movable, with_node_movable;
        double banned;                  /* load on isolated, nohz_full or offline CPUs */
        struct rootfs_writes writes;    /* by the daemon's cycle after the step */
        unsigned irqs;                  /* present IRQs */
};

struct figures {
        const struct scenario *sc;
        GArray *steps;                  /* struct step_record */
        struct rootfs_writes startup;   /* before the first step (the first cycle) */
        struct rootfs_writes shutdown;  /* while stopping (restoring masks) */
        bool daemon;
        int daemon_status;              /* exit code, or 128 + signal */
        unsigned restore_checked, restore_ok;
        GPtrArray *restore_mismatches;  /* "IRQ 64: 3, expected 0-15" */
        FILE *trace;                    /* --trace: per-step per-CPU loads, or NULL */
        char *trace_cpus;               /* the CPU states last written to it */
        size_t trace_phase;             /* the phase last written to it */
        char **reload_status;           /* per phase: the STATUS= with the READY=1 that
                                         * ended its Reload= (lockstep); NULL: none */
};

void figures_init(struct figures *f, const struct scenario *sc);
void figures_done(struct figures *f);

/* Phase PHASE's Reload= ended with this STATUS= ("" if none came). */
void figures_set_reload_status(struct figures *f, size_t phase, const char *status);
void figures_record_step(struct figures *f, size_t phase, const struct machine *m);
/* Writes seen after the last recorded step belong to it (startup before any). */
void figures_add_writes(struct figures *f, const struct rootfs_writes *w);
/* After the daemon stopped: did every IRQ it wrote get its original mask back? */
void figures_check_restore(struct figures *f, const struct machine *m);

/* --trace FILE: from now on, every recorded step writes a line of per-CPU loads to
 * PATH (format at the top of sim/figures.c). Closed, and checked, by
 * figures_trace_close(). */
int figures_trace_open(struct figures *f, const struct machine *m, const char *path);
int figures_trace_close(struct figures *f);

void figures_print_table(const struct figures *f, FILE *out);
void figures_to_json(const struct figures *f, GString *out);
