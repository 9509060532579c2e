/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "irqbal/apply.h"
#include "irqbal/observer.h"
#include "irqbal/options.h"
#include "irqbal/policy.h"
#include "irqbal/procstat.h"
#include "irqbal/topology.h"

/* Shortest and longest cycle interval SetInterval() accepts. */
#define MANAGER_INTERVAL_MIN_USEC 100000ULL          /* 0.1 s */
#define MANAGER_INTERVAL_MAX_USEC 3600000000ULL      /* 1 h */

enum manager_state {
        MANAGER_STARTING,       /* before the first cycle ran */
        MANAGER_RUNNING,
        MANAGER_STOPPING,
};

const char *manager_state_to_string(enum manager_state s);

struct bus_cache;

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

        /* Policy input, reused from cycle to cycle. */
        struct policy_irq *pirqs;
        hwloc_bitmap_t *allowed;
        size_t pirqs_cap;

        struct apply_state *apply;
        struct plan plan;          /* the last plan made */
        struct plan next_plan;     /* the one being made; swaps with plan */
        bool have_plan;
        double *cpu_load;          /* per CPU (by kernel number) under the last plan */
        size_t cpu_load_len;

        uint64_t cycles;
        unsigned last_moves;
        double peak_load;

        /* Runtime-changeable over D-Bus; opts stays as given on the command line. */
        uint64_t interval_usec;
        enum manager_state state;
        uint64_t last_cycle_usec;       /* wall time the last cycle's work took */
        uint64_t last_cycle_timestamp;  /* CLOCK_REALTIME µs when it ended, 0 = never */

        sd_event *event;
        sd_event_source *timer;
        sd_bus *bus;                    /* NULL without a system bus */
        struct bus_cache *bus_cache;    /* bus.c's last emitted property values */
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

/* Runs a cycle now, like SIGUSR1, and counts the next timed cycle from it. Returns 0
 * after a cycle, 1 when the root's clock did not move since the last one (nothing new
 * to learn: no cycle), or -errno when the cycle failed. */
int manager_request_cycle(struct manager *m);
/* Switches to the built-in policy NAME from the next cycle on; -EINVAL if unknown. */
int manager_set_policy(struct manager *m, const char *name);
/* Sets the cycle interval and re-arms the timer; -ERANGE outside
 * MANAGER_INTERVAL_MIN_USEC..MANAGER_INTERVAL_MAX_USEC. */
int manager_set_interval(struct manager *m, uint64_t usec);
/* Reloads the topology (hwloc) and the CPU bans and rescans the IRQs. */
int manager_reload(struct manager *m);
/* Why IRQ is where it is, as lines of text appended to OUT; -ENOENT if unknown. */
int manager_explain(struct manager *m, unsigned irq, GString *out);
/* Re-reads every IRQ's affinity and effective affinity, so that a report between cycles
 * shows what the last cycle wrote (the inventory is read before the writes). */
void manager_refresh_placement(struct manager *m);
/* What the next cycle would do with the current inventory and loads, written into
 * RET (plan_done() it) without writing anything to the kernel. */
int manager_preview_plan(struct manager *m, struct plan *ret);

/* "balanced", "unmovable", "pinned", "refused", "backing-off" or "no-usable-cpu". */
const char *manager_irq_state(const struct manager *m, const struct irq *irq);
/* Where IRQ runs once the last plan is carried out: its target when the plan moves it,
 * else its effective CPUs when known, else its affinity. */
hwloc_const_bitmap_t manager_irq_cpus(const struct manager *m, const struct irq *irq);
/* Moves and failed moves since the start. */
void manager_counters(const struct manager *m, struct apply_counters *ret);
