/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

#include "irqbal/apply.h"
#include "irqbal/observer.h"
#include "irqbal/options.h"
#include "irqbal/policy.h"
#include "irqbal/procstat.h"
#include "irqbal/topology.h"

/* The daemon's state and its event loop: the only process-wide state there is. */
struct manager {
        const struct options *opts;
        struct irqbal_root root;
        struct topology *topo;
        struct observer obs;
        const struct irqbal_policy *policy;
        struct policy_params params;

        /* The machine's clock is the root's /proc/uptime, so that rates are measured
         * over the same time the counters were (a simulator's root runs its own). */
        double uptime;
        double window;             /* length of the last sample window, seconds */
        struct textbuf statbuf;
        struct procstat stat[2];   /* /proc/stat now and at the previous sample */
        unsigned stat_now;         /* index of "now" in stat[] */
        bool have_stat;

        /* Policy input, reused from cycle to cycle. */
        struct policy_irq *pirqs;
        hwloc_bitmap_t *allowed;
        size_t pirqs_cap;

        struct apply_state *apply;
        struct plan plan;          /* the last plan made */
        bool have_plan;
        double *cpu_load;          /* per CPU (by kernel number) under the last plan */
        size_t cpu_load_len;

        uint64_t cycles;
        unsigned last_moves;
        double peak_load;

        sd_event *event;
        sd_event_source *timer;
};

int manager_new(const struct options *opts, struct manager **ret);
void manager_free(struct manager *m);

/* Reads uptime, /proc/interrupts and /proc/stat. When the root's clock did not move
 * since the previous sample, returns 1 (nothing new to learn), or with FALLBACK_WINDOW
 * > 0 samples anyway as if that many seconds had passed. 0 after a sample, or -errno. */
int manager_sample(struct manager *m, double fallback_window);
/* Checks last cycle's writes, estimates loads, plans with the policy and applies the
 * plan (with --dry-run it writes nothing). */
int manager_plan_and_apply(struct manager *m);
/* Runs the event loop until SIGTERM or SIGINT, then restores the original masks
 * (unless --no-restore). */
int manager_run(struct manager *m);
