/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "irqbal/apply.h"
#include "irqbal/config.h"
#include "irqbal/load.h"
#include "irqbal/notify.h"
#include "irqbal/observer.h"
#include "irqbal/options.h"
#include "irqbal/policy.h"
#include "irqbal/procstat.h"
#include "irqbal/rules.h"
#include "irqbal/settings.h"
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
struct hotplug;

/* The daemon's state and its event loop: the only process-wide state there is. */
struct manager {
        const struct options *opts;
        struct irqbal_root root;
        struct topology *topo;
        struct observer obs;
        struct config conf;             /* the policy files in force */
        struct settings settings;       /* command line, files and defaults merged */
        uint64_t config_generation;     /* counts configurations taken into use */
        uint64_t cpus_generation;       /* the observer's generation when the CPU files
                                         * were last read in full */
        struct load_costs costs;        /* devices' costs per interrupt, learnt */
        unsigned settle_windows;        /* measured windows planned with load_settle() */
        bool first_loads_planned;       /* the plan on the settled loads was carried out */
        uint64_t costs_generation;      /* the observer's generation they are bound to */
        bool placements_refreshed;      /* every placement was read since the last cycle
                                         * (manager_refresh_placement) */

        /* What the rules say about each IRQ of the inventory (manager_rule_effect()):
         * resolved when the inventory or the configuration changes, not every cycle.
         * Most IRQs match no rule (without policy files none does), and a rule_effect
         * is some 150 bytes: those share no_rule_effect, and only the others have one
         * of their own in effects. */
        uint32_t *effect_index;         /* by inventory index: into effects, or
                                         * UINT32_MAX for no_rule_effect */
        size_t effect_index_cap;
        struct rule_effect *effects;    /* n_effects of effects_cap */
        size_t n_effects, effects_cap;
        struct rule_effect no_rule_effect;      /* rules_resolve()'s for an IRQ no rule
                                                 * matches */
        uint64_t effects_obs_generation, effects_config_generation;
        bool effects_valid;

        /* The machine's clock is the root's /proc/uptime, so that rates are measured
         * over the same time the counters were (a simulator's root runs its own). */
        double uptime;
        double window;             /* length of the last sample window, seconds */

        /* Policy input, reused from cycle to cycle. An IRQ's allowed CPUs are
         * topo->usable itself unless something narrows them (full-vector CPUs, a rule's
         * CPUs=): only then does it get a set of its own in allowed, by inventory index,
         * allocated the first time and kept (NULL until then). */
        struct policy_irq *pirqs;
        hwloc_bitmap_t *allowed;
        size_t pirqs_cap;

        struct apply_state *apply;
        struct mask_pool *masks;   /* the plans' and apply's CPU sets */
        struct plan plan;          /* the last plan made */
        struct plan next_plan;     /* the one being made; swaps with plan */
        bool have_plan;
        /* What the last plan was made from, to tell a cycle whose policy would see
         * the same input (manager_plan_and_apply() then keeps the plan). */
        bool plan_settled;         /* it repeated the plan before and wrote nothing */
        uint64_t plan_obs_generation, plan_config_generation;
        hwloc_bitmap_t plan_usable;
        hwloc_bitmap_t scratch;    /* for one test at a time (waits_for_load()) */
        bool plan_full;            /* apply_full_cpus() had CPUs */
        hwloc_const_bitmap_t *plan_current; /* each IRQ's placement as the policy saw it,
                                             * by index, from masks; pirqs_cap of them */
        bool plan_placements_checked;   /* plan_current matched every placement, and no
                                         * placement was read since */
        double *cpu_load;          /* per CPU (by kernel number) under the last plan */
        size_t cpu_load_len;

        uint64_t cycles;
        unsigned last_moves;
        double peak_load;

        /* IRQs balanced and measuring, counted by the last policy input for inventory
         * states_generation (manager_balanced_irqs()): notes change only there, so a
         * cycle that keeps its plan, STATUS and the D-Bus properties need not walk
         * every IRQ again to count them. */
        unsigned balanced_irqs, measuring_irqs;
        uint64_t states_generation;
        bool states_counted;
        /* What the last per-cycle STATUS= said, while it is what the service manager
         * shows (notify_status()). */
        struct status_summary {
                const struct irqbal_policy *policy;
                size_t irqs;
                unsigned balanced, measuring, moves;
                int usable, online;
                double peak;
        } last_status;
        bool status_shown;

        /* Runtime-changeable over D-Bus; opts stays as given on the command line. */
        uint64_t interval_usec;
        enum manager_state state;
        uint64_t last_cycle_usec;       /* wall time the last cycle's work took */
        uint64_t last_cycle_timestamp;  /* CLOCK_REALTIME µs when it ended, 0 = never */

        sd_event *event;
        sd_event_source *timer;
        sd_bus *bus;                    /* NULL without a system bus */
        struct bus_cache *bus_cache;    /* bus.c's last emitted property values */
        struct hotplug *hotplug;        /* NULL when device events are not watched */
        struct notifier notifier;       /* each cycle's STATUS= */
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
/* Runtime changes are written as irqbalctl's drop-ins, then the configuration is
 * reloaded: CONFIG_RUNTIME_DIR/95-irqbalctl-KIND.conf, or with PERSISTENT
 * CONFIG_PERSISTENT_DIR/90-irqbalctl-KIND.conf (which also removes the runtime file of
 * that kind, so that the persistent one shows). If the reload fails the file is put
 * back as it was and the findings are in DIAGS (may be NULL). Command-line options win
 * over files: a change to something the command line set is -EBUSY. */
enum manager_dropin {
        DROPIN_POLICY,          /* [Daemon] Policy= */
        DROPIN_BANNED_IRQS,     /* [Match] Irq=… + [Placement] Ban=yes */
        DROPIN_BANNED_CPUS,     /* [Daemon] BannedCPUs= */
        _DROPIN_MAX,
};
/* "policy", "banned-irqs", "banned-cpus". */
const char *manager_dropin_to_string(enum manager_dropin d);

/* Switches to the built-in policy NAME: -EINVAL if unknown, -EBUSY if --policy was
 * given. */
int manager_set_policy(struct manager *m, const char *name, bool persistent,
                       struct config_diags *diags);
/* Adds IRQ to (BAN) or removes it from irqbalctl's banned IRQs. -ENOENT when BAN and no
 * such IRQ exists now; -EADDRINUSE when, after unbanning, another file still bans it
 * (DIAGS then names the rule). */
int manager_ban_irq(struct manager *m, unsigned irq, bool ban, bool persistent,
                    struct config_diags *diags);
/* Sets the admin-banned CPUs (replacing irqbalctl's earlier list; empty = none). -EBUSY
 * if --ban-cpus was given, -EINVAL if no CPU would be left usable. */
int manager_ban_cpus(struct manager *m, hwloc_const_bitmap_t cpus, bool persistent,
                     struct config_diags *diags);
/* Reads and checks every policy file as a reload would, changing nothing. 0 without
 * errors (warnings may be in DIAGS), -EINVAL with errors, or another -errno. */
int manager_check_config(struct manager *m, struct config_diags *diags);
/* Sets the cycle interval and re-arms the timer; -ERANGE outside
 * MANAGER_INTERVAL_MIN_USEC..MANAGER_INTERVAL_MAX_USEC. */
int manager_set_interval(struct manager *m, uint64_t usec);
/* Reads the policy files under ROOT, merges them with OPTS into RET_SETTINGS and loads
 * the topology those settings ask for, then checks the files against it. On success
 * (warnings may be in DIAGS) the caller owns RET_CONF, RET_SETTINGS and RET_TOPO; on
 * failure (-EINVAL with errors in DIAGS, or another -errno) nothing is returned. */
int manager_load_configuration(const struct irqbal_root *root, const struct options *opts,
                               struct config *ret_conf, struct settings *ret_settings,
                               struct topology **ret_topo, struct config_diags *diags);
/* Resolves the rules for every IRQ of the inventory again if the inventory or the
 * configuration changed since the last time: O(IRQs × rules) then, else nothing. */
int manager_update_rule_effects(struct manager *m);
/* What the rules say about IRQ of the inventory: its own effect when a rule matched it,
 * else the defaults every such IRQ shares. NULL until manager_update_rule_effects() ran
 * for this inventory and configuration. Points into M. */
const struct rule_effect *manager_rule_effect(const struct manager *m, const struct irq *irq);
/* Logs every finding of DIAGS (errors as errors, warnings as warnings). */
void manager_log_diags(const struct config_diags *diags);

/* Reloads the policy files, the topology (hwloc) and the CPU bans, and rescans the IRQs.
 * Everything is read and checked before anything changes: on an error in the files
 * (-EINVAL, findings in DIAGS, which may be NULL) or any other failure the old
 * configuration stays whole. */
int manager_reload(struct manager *m, struct config_diags *diags);
/* Why IRQ is where it is, as lines of text appended to OUT; -ENOENT if unknown. */
int manager_explain(struct manager *m, unsigned irq, GString *out);
/* Re-reads every IRQ's affinity and effective affinity, so that a report between cycles
 * shows what the last cycle wrote (the inventory is read before the writes). */
void manager_refresh_placement(struct manager *m);
/* What the next cycle would do with the current inventory and loads, written into
 * RET (plan_done() it) without writing anything to the kernel. */
int manager_preview_plan(struct manager *m, struct plan *ret);

/* "balanced", "unmovable", "banned" (by a policy file), "pinned", "refused",
 * "backing-off", "measuring" (left where the kernel put it until its load is
 * measured, at start) or "no-usable-cpu". */
const char *manager_irq_state(const struct manager *m, const struct irq *irq);
/* Movable IRQs balanced this cycle (irq_is_balanced()), and those left where the kernel
 * put them until their loads are measured (state "measuring": only at start). */
unsigned manager_balanced_irqs(const struct manager *m);
unsigned manager_measuring_irqs(const struct manager *m);
/* Where IRQ runs once the last plan is carried out: its target when the plan moves it,
 * else its effective CPUs when known, else its affinity. */
hwloc_const_bitmap_t manager_irq_cpus(const struct manager *m, const struct irq *irq);
/* Moves and failed moves since the start. */
void manager_counters(const struct manager *m, struct apply_counters *ret);
