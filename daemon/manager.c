/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "irqbal/bus.h"
#include "irqbal/cpuset.h"
#include "irqbal/hotplug.h"
#include "irqbal/load.h"
#include "irqbal/log.h"
#include "irqbal/manager.h"

#define PROC_UPTIME "/proc/uptime"

/* Windows whose mean sets the loads of the first informed placement (see
 * manager_plan_and_apply()): three windows, 30 s at the default interval, cut a
 * sample's noise by √3 and leave load shifts a minute after start to the dead band. */
#define SETTLE_WINDOWS 3u

/* Where a plan stands in the daemon's start-up (manager_plan_and_apply()). */
enum plan_stage {
        PLAN_MEASURING,         /* the loads are not settled yet: IRQs the kernel placed
                                 * stay there (waits_for_load()) */
        PLAN_ON_FIRST_LOADS,    /* the plan on the settled loads: every IRQ afresh */
        PLAN_STEADY,            /* every plan after it, and --oneshot's only one */
};

static const char *const state_names[] = {
        [MANAGER_STARTING] = "starting",
        [MANAGER_RUNNING] = "running",
        [MANAGER_STOPPING] = "stopping",
};

const char *manager_state_to_string(enum manager_state s)
{
        return (size_t) s < ELEMENTSOF(state_names) ? state_names[s] : "unknown";
}

static uint64_t now_usec(clockid_t clock)
{
        struct timespec ts;

        if (clock_gettime(clock, &ts) < 0)
                return 0;
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

int manager_new(const struct options *opts, struct manager **ret)
{
        struct config_diags diags = {};
        struct manager *m = calloc(1, sizeof(*m));
        struct apply_config aconf;
        int r;

        if (!m)
                return -ENOMEM;
        m->opts = opts;
        m->root.dirfd = -1;
        m->state = MANAGER_STARTING;
        notifier_init(&m->notifier);

        r = root_open(&m->root, opts->root);
        if (r < 0) {
                log_error_errno(r, "Failed to open root directory %s: %m", opts->root);
                goto fail;
        }
        r = manager_load_configuration(&m->root, opts, &m->conf, &m->settings, &m->topo, &diags);
        manager_log_diags(&diags);
        if (r == -EINVAL && diags.errors) {
                /* Balancing without the operator's bans could put interrupts on
                 * real-time CPUs: better not to start. */
                log_error("Not starting: %zu error%s in the policy files (irqbald "
                          "--check-config lists them).", diags.errors, diags.errors == 1 ? "" : "s");
                config_diags_done(&diags);
                goto fail;
        }
        config_diags_done(&diags);
        if (r < 0)
                goto fail;
        m->interval_usec = (uint64_t) (m->settings.interval * 1e6);
        m->cpu_load_len = (size_t) hwloc_bitmap_last(m->topo->all) + 1;
        m->cpu_load = calloc(m->cpu_load_len, sizeof(double));
        if (!m->cpu_load) {
                r = -ENOMEM;
                goto fail;
        }
        /* One pool for the sets of the inventory, the plans and apply: they hold mostly
         * the same few. */
        r = mask_pool_new(&m->masks);
        if (r < 0)
                goto fail;
        observer_init(&m->obs, &m->root, m->topo, m->masks);
        load_costs_init(&m->costs);
        apply_config_default(&aconf);
        aconf.dry_run = opts->dry_run;
        aconf.respect_external_pins = m->settings.respect_external_pins;
        plan_share_masks(&m->plan, m->masks);
        plan_share_masks(&m->next_plan, m->masks);
        aconf.masks = m->masks;
        r = apply_state_new(&m->root, &aconf, &m->apply);
        if (r < 0)
                goto fail;
        *ret = m;
        return 0;
fail:
        manager_free(m);
        return r;
}

void manager_free(struct manager *m)
{
        if (!m)
                return;
        bus_done(m);
        hotplug_free(m->hotplug);
        sd_event_source_unref(m->timer);
        sd_event_unref(m->event);
        notifier_done(&m->notifier);
        if (m->topo)
                observer_done(&m->obs);
        /* The placements seen go with the pool, below. */
        for (size_t i = 0; i < m->pirqs_cap; i++)
                hwloc_bitmap_free(m->allowed[i]);
        free(m->allowed);
        free(m->plan_current);
        hwloc_bitmap_free(m->plan_usable);
        hwloc_bitmap_free(m->scratch);
        free(m->pirqs);
        plan_done(&m->plan);
        plan_done(&m->next_plan);
        free(m->effects);
        free(m->effect_index);
        apply_state_free(m->apply);
        mask_pool_free(m->masks);
        free(m->cpu_load);
        topology_free(m->topo);
        settings_done(&m->settings);
        config_done(&m->conf);
        load_costs_done(&m->costs);
        if (m->root.dirfd >= 0)
                root_close(&m->root);
        free(m);
}

static double timespec_seconds(const struct timespec *ts)
{
        return (double) ts->tv_sec + (double) ts->tv_nsec / 1e9;
}

/* The clock the counters are read against: /proc/uptime is CLOCK_BOOTTIME, so on the
 * host the clock itself, with no file to open. A fake root's own proc/uptime is its
 * clock (a simulator's time, which may run in steps); one without uses the host's. */
static int read_uptime(struct manager *m, double *ret)
{
        /* "350735.47 234388.90\n": read into the stack, as every cycle reads it. */
        char s[64];
        struct timespec ts;
        size_t len;
        char *end;
        double v;
        int r;

        if (root_is_host(&m->root)) {
                if (clock_gettime(CLOCK_BOOTTIME, &ts) < 0)
                        return log_error_errno(errno, "Failed to read CLOCK_BOOTTIME: %m");
                *ret = timespec_seconds(&ts);
                return 0;
        }
        r = root_read_into(&m->root, PROC_UPTIME, s, sizeof(s), &len);
        if (r == -ENOENT && clock_gettime(CLOCK_BOOTTIME, &ts) == 0) {
                *ret = timespec_seconds(&ts);
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "Failed to read %s%s: %m", m->root.path, PROC_UPTIME);
        s[strcspn(s, "\n")] = 0;
        v = strtod(s, &end);
        if (end == s || !isfinite(v) || v < 0)
                return log_error_errno(EINVAL, "%s%s: not an uptime: '%s'", m->root.path,
                                       PROC_UPTIME, s);
        *ret = v;
        return 0;
}

int manager_sample(struct manager *m, double fallback_window)
{
        double now = 0, window = 0;
        bool first = m->cycles == 0 && !m->obs.have_prev, full;
        int r;

        /* The counters first, then the clock they are measured against (see
         * observer_read_counters()). */
        observer_read_counters(&m->obs);
        r = read_uptime(m, &now);
        if (r < 0)
                return r;
        if (!first) {
                window = now - m->uptime;
                if (window <= 0 && fallback_window <= 0)
                        return 1;
                if (window <= 0)
                        window = fallback_window;
        }
        r = observer_read(&m->obs, window);
        if (r < 0)
                return r;
        /* DESIGN §4.7: the online CPUs are re-read every cycle, as the cpuN lines of
         * /proc/stat (the kernel prints one per online CPU); when they change, the
         * observer rescans. Every rescan (and the first cycle, a reload, a device
         * event) reads the CPU files again; other cycles only the ban files that can
         * change at run time. */
        full = m->obs.generation != m->cpus_generation;
        r = topology_refresh(m->topo, &m->root, m->settings.banned, full);
        if (r < 0)
                return log_error_errno(r, "Failed to re-read the online CPUs: %m");
        if (full)
                m->cpus_generation = m->obs.generation;
        if (r > 0) {
                _cleanup_free_ char *usable = cpulist_format(m->topo->usable);

                log_info("Usable CPUs are now %s.", usable ? usable : "?");
        }
        m->uptime = now;
        m->window = window;
        return 0;
}

/* Seconds each CPU spent in IRQ context over the window, when the kernel counts it. */
static size_t cpu_irq_times(const struct manager *m, struct cpu_irq_time *times, size_t max)
{
        /* The observer reads /proc/stat every cycle anyway, for the IRQ totals. */
        const struct procstat *now = observer_stat(&m->obs), *prev = observer_prev_stat(&m->obs);
        long hz = sysconf(_SC_CLK_TCK);
        size_t n = 0;

        if (!now || !prev || m->window <= 0 || !procstat_has_irq_time(now) || hz <= 0)
                return 0;
        for (size_t i = 0, j = 0; i < now->ncpus && n < max; i++) {
                const struct procstat_cpu *c = &now->cpus[i];

                while (j < prev->ncpus && prev->cpus[j].cpu < c->cpu)
                        j++;
                if (j >= prev->ncpus || prev->cpus[j].cpu != c->cpu)
                        continue;
                times[n].cpu = c->cpu;
                times[n].seconds = (double) ((c->irq - prev->cpus[j].irq) +
                                             (c->softirq - prev->cpus[j].softirq)) / (double) hz;
                n++;
        }
        return n;
}

static int reserve_policy_input(struct manager *m, size_t n)
{
        if (n <= m->pirqs_cap)
                return 0;
        struct policy_irq *p = realloc(m->pirqs, n * sizeof(*p));
        if (!p)
                return -ENOMEM;
        m->pirqs = p;
        hwloc_bitmap_t *a = realloc(m->allowed, n * sizeof(*a));
        if (!a)
                return -ENOMEM;
        m->allowed = a;
        hwloc_const_bitmap_t *c = realloc(m->plan_current, n * sizeof(*c));
        if (!c)
                return -ENOMEM;
        m->plan_current = c;
        /* Allowed sets are allocated only for IRQs that need one (build_policy_input());
         * the placements seen come from the pool (remember_plan_input()). */
        for (; m->pirqs_cap < n; m->pirqs_cap++) {
                m->allowed[m->pirqs_cap] = NULL;
                m->plan_current[m->pirqs_cap] = NULL;
        }
        return 0;
}

/* The CPU the previous plan chose for an IRQ, if it chose exactly one; IRQs asked for
 * in increasing order (plan_find_next()). */
static int previous_cpu(const struct manager *m, unsigned irq, size_t *cursor)
{
        const struct placement *p = m->have_plan ? plan_find_next(&m->plan, irq, cursor) : NULL;

        return p ? cpuset_single_cpu(p->cpus) : -1;
}

/* effect_index's value for an IRQ no rule matched. */
#define NO_RULE_MATCHED UINT32_MAX

static bool rule_effects_current(const struct manager *m)
{
        return m->effects_valid && m->effects_obs_generation == m->obs.generation &&
               m->effects_config_generation == m->config_generation;
}

/* What the rules say about the IRQ at inventory index I; the effects must be current. */
static const struct rule_effect *effect_at(const struct manager *m, size_t i)
{
        uint32_t k = m->effect_index[i];

        return k == NO_RULE_MATCHED ? &m->no_rule_effect : &m->effects[k];
}

/* Makes room for m->effects[N]. By doubling: how many IRQs a rule matches is known only
 * once they are resolved. */
static int reserve_rule_effect(struct manager *m, size_t n)
{
        struct rule_effect *e;
        size_t cap;

        if (n < m->effects_cap)
                return 0;
        cap = m->effects_cap ? 2 * m->effects_cap : 16;
        e = realloc(m->effects, cap * sizeof(*e));
        if (!e)
                return -ENOMEM;
        m->effects = e;
        m->effects_cap = cap;
        return 0;
}

/* What the rules say about each IRQ, resolved again only when the inventory or the
 * configuration changed since: O(IRQs × rules) then, nothing in steady cycles. */
int manager_update_rule_effects(struct manager *m)
{
        const struct irq_inventory *inv = &m->obs.inv;
        struct rule_effect e;
        int r;

        if (rule_effects_current(m))
                return 0;
        /* An index is 32 bits, one value of them meaning none: far more IRQs than a
         * kernel has, but a bigger inventory must not wrap around. */
        if (inv->n >= NO_RULE_MATCHED)
                return -E2BIG;
        if (inv->n > m->effect_index_cap) {
                uint32_t *idx = realloc(m->effect_index, inv->n * sizeof(*idx));

                if (!idx)
                        return -ENOMEM;
                m->effect_index = idx;
                m->effect_index_cap = inv->n;
        }
        m->n_effects = 0;
        for (size_t i = 0; i < inv->n; i++) {
                rules_resolve(&m->conf, &inv->irqs[i], &e);
                if (e.n_matched == 0) {
                        /* rules.c's defaults: the same for every IRQ no rule matched. */
                        m->no_rule_effect = e;
                        m->effect_index[i] = NO_RULE_MATCHED;
                        continue;
                }
                r = reserve_rule_effect(m, m->n_effects);
                if (r < 0)
                        return r;
                m->effects[m->n_effects] = e;
                m->effect_index[i] = (uint32_t) m->n_effects++;
        }
        m->effects_obs_generation = m->obs.generation;
        m->effects_config_generation = m->config_generation;
        m->effects_valid = true;
        return 0;
}

const struct rule_effect *manager_rule_effect(const struct manager *m, const struct irq *irq)
{
        size_t i = (size_t) (irq - m->obs.inv.irqs);

        if (!rule_effects_current(m) || i >= m->obs.inv.n)
                return NULL;
        return effect_at(m, i);
}

/* Sets why irqbald leaves IRQ alone this cycle (NULL: it does not), allocating only
 * when the reason changed, so that steady cycles do not allocate per IRQ. */
static int set_balancing_note(struct irq *irq, const char *note)
{
        if (!note || !irq->balancing_note || strcmp(note, irq->balancing_note) != 0) {
                free(irq->balancing_note);
                irq->balancing_note = NULL;
                if (note && !(irq->balancing_note = strdup(note)))
                        return -ENOMEM;
        }
        return 0;
}

/* Where the policy sees IRQ run: its effective CPU. But a movable IRQ whose mask still
 * spans several CPUs was never placed: the kernel's pick inside the mask is no placement
 * worth keeping, so the policy sees the mask. */
static hwloc_const_bitmap_t placement_seen(const struct irq *irq)
{
        bool effective = irq->has_effective && !hwloc_bitmap_iszero(irq->effective) &&
                         (!irq_is_balanced(irq) || cpuset_single_cpu(irq->affinity) >= 0);

        return effective ? irq->effective : irq->affinity;
}

/* The CPUs IRQ (at inventory index I, with rule effect E) may be placed on, given FULL,
 * the CPUs without free vectors (NULL: none). Most IRQs may use every usable CPU and
 * share topo->usable itself: a set per IRQ is some 180 bytes at 1024 CPUs. The others
 * get a set of their own, allocated the first time and reused in later cycles. */
static int allowed_cpus(struct manager *m, size_t i, const struct irq *irq,
                        const struct rule_effect *e, hwloc_const_bitmap_t full,
                        hwloc_const_bitmap_t *ret)
{
        hwloc_bitmap_t a;

        if (!full && !e->cpus) {
                *ret = m->topo->usable;
                return 0;
        }
        if (!m->allowed[i] && !(m->allowed[i] = hwloc_bitmap_alloc()))
                return -ENOMEM;
        a = m->allowed[i];
        if (hwloc_bitmap_copy(a, m->topo->usable) < 0)
                return -ENOMEM;
        if (full) {
                hwloc_const_bitmap_t here = irq->has_effective && !hwloc_bitmap_iszero(irq->effective) ?
                                            irq->effective : irq->affinity;

                hwloc_bitmap_andnot(a, a, full);
                /* An IRQ placed on a full CPU holds its vector there: it may stay, it
                 * just gets no company. */
                if (cpuset_single_cpu(here) >= 0 && hwloc_bitmap_isincluded(here, full) &&
                    hwloc_bitmap_isincluded(here, m->topo->usable))
                        hwloc_bitmap_or(a, a, here);
        }
        if (e->cpus)
                hwloc_bitmap_and(a, a, e->cpus);
        *ret = a;
        return 0;
}

/* The stage of a plan made now. The plan on the settled loads stays due until one is
 * carried out: a cycle that fails (a policy out of memory) does not lose it. */
static enum plan_stage plan_stage(const struct manager *m)
{
        if (m->opts->oneshot)
                return PLAN_STEADY;
        if (m->settle_windows < SETTLE_WINDOWS)
                return PLAN_MEASURING;
        return m->first_loads_planned ? PLAN_STEADY : PLAN_ON_FIRST_LOADS;
}

/* Whether IRQ, movable with ALLOWED CPUs and running on CPU (-1: not on one CPU),
 * stays where the kernel put it while loads are measured. Placed now, it would be
 * placed without its load and placed again, written a second time, by the plan on the
 * settled loads SETTLE_WINDOWS cycles later;
 * the kernel's own spread (node first, then the CPU with the fewest vectors, on x86)
 * is as good a guess. Only for an IRQ never placed (its mask spans several CPUs: the
 * kernel's default) whose CPU breaks no rule: its effective CPU is allowed and on its
 * device's node when that node has an allowed CPU, and every online CPU of its mask is
 * allowed, as the kernel may move it inside the mask (CPU offline, re-activation). */
static bool waits_for_load(struct manager *m, const struct irq *irq, int cpu, int node,
                           hwloc_const_bitmap_t allowed)
{
        const struct topology *t = m->topo;
        const struct topo_node *n = topology_node(t, node);

        if (cpu < 0 || cpuset_single_cpu(irq->affinity) >= 0 ||
            !hwloc_bitmap_isset(allowed, (unsigned) cpu))
                return false;
        if (n && hwloc_bitmap_intersects(n->cpus, allowed) && !hwloc_bitmap_isset(n->cpus, (unsigned) cpu))
                return false;
        if (!m->scratch && !(m->scratch = hwloc_bitmap_alloc()))
                return false;   /* placed now, as when loads are known: nothing is lost */
        hwloc_bitmap_andnot(m->scratch, t->online, allowed);
        return !hwloc_bitmap_intersects(m->scratch, irq->affinity);
}

static int build_policy_input(struct manager *m, struct policy_input *in, enum plan_stage stage)
{
        const struct irq_inventory *inv = &m->obs.inv;
        hwloc_const_bitmap_t full = apply_full_cpus(m->apply);
        int r = reserve_policy_input(m, inv->n);
        size_t plan_cursor = 0;

        if (r >= 0)
                r = manager_update_rule_effects(m);
        if (r < 0)
                return r;
        m->states_counted = false;
        m->balanced_irqs = m->measuring_irqs = 0;
        for (size_t i = 0; i < inv->n; i++) {
                struct irq *irq = &inv->irqs[i];
                struct policy_irq *p = &m->pirqs[i];
                const struct rule_effect *e = effect_at(m, i);
                int node = e->node_origin.file ? e->node : irq->node;
                int runs_on = irq->has_effective ? cpuset_single_cpu(irq->effective) : -1;
                hwloc_const_bitmap_t allowed;
                char note[160], origin[128];
                const char *why = NULL;

                irq->measuring = false;
                r = allowed_cpus(m, i, irq, e, full, &allowed);
                if (r < 0)
                        return r;
                /* A policy file's ban, then the kernel's refusal, someone else's pin or
                 * a back-off: judgements of this cycle, so the inventory's own view
                 * stays as is. */
                if (irq->movable && e->ban) {
                        snprintf(note, sizeof(note), "banned by %s (Ban=yes)",
                                 config_origin_format(&e->ban_origin, origin, sizeof(origin)));
                        why = note;
                } else if (irq->movable && !apply_may_balance(m->apply, irq->number, &why))
                        why = why ? why : "left alone";
                else if (irq->movable && e->cpus && hwloc_bitmap_iszero(allowed)) {
                        snprintf(note, sizeof(note), "no usable CPU in CPUs= of %s",
                                 config_origin_format(&e->cpus_origin, origin, sizeof(origin)));
                        why = note;
                } else if (irq->movable && stage == PLAN_MEASURING &&
                           waits_for_load(m, irq, runs_on, node, allowed))
                        irq->measuring = true;
                r = set_balancing_note(irq, why);
                if (r < 0)
                        return r;
                m->balanced_irqs += irq_is_balanced(irq);
                m->measuring_irqs += irq->measuring;
                *p = (struct policy_irq) {
                        .irq = irq->number,
                        .name = irq->name,
                        .device = irq->device,
                        .class = irq->class,
                        .node = node,
                        .load = irq->planned_load * e->weight,
                        .movable = irq_is_balanced(irq) && !hwloc_bitmap_iszero(allowed),
                        .allowed = allowed,
                        .current = placement_seen(irq),
                        .hint = irq->hint,
                        .previous = previous_cpu(m, irq->number, &plan_cursor),
                        .place_afresh = stage == PLAN_ON_FIRST_LOADS,
                        .runs_on = runs_on,
                        .policy = e->policy ? policy_find(e->policy) : NULL,
                        .exclusive = e->exclusive,
                };
        }
        *in = (struct policy_input) {
                .topo = m->topo, .irqs = m->pirqs, .n = inv->n, .params = &m->settings.params,
        };
        m->states_counted = true;
        m->states_generation = m->obs.generation;
        return 0;
}

/* Per-CPU load if the plan is carried out: movable IRQs on their targets, the others
 * where they are; a set target shares the load over its CPUs. Real loads, without the
 * rules' Weight=. IN is indexed like the inventory. */
static void account_plan(struct manager *m, const struct policy_input *in)
{
        size_t cursor = 0;

        memset(m->cpu_load, 0, m->cpu_load_len * sizeof(double));
        m->peak_load = 0;
        for (size_t i = 0; i < in->n; i++) {
                const struct placement *p = in->irqs[i].movable ?
                                            plan_find_next(&m->plan, in->irqs[i].irq, &cursor) : NULL;
                hwloc_const_bitmap_t where = p ? p->cpus : in->irqs[i].current;
                int single = cpuset_single_cpu(where), weight;
                unsigned cpu;

                /* Most are on one CPU: no need to count. */
                if (single >= 0) {
                        if ((size_t) single < m->cpu_load_len)
                                m->cpu_load[single] += m->obs.inv.irqs[i].planned_load;
                        continue;
                }
                weight = hwloc_bitmap_weight(where);
                if (weight <= 0)
                        continue;
                hwloc_bitmap_foreach_begin(cpu, where)
                        if (cpu < m->cpu_load_len)
                                m->cpu_load[cpu] += m->obs.inv.irqs[i].planned_load / weight;
                hwloc_bitmap_foreach_end();
        }
        for (size_t c = 0; c < m->cpu_load_len; c++)
                if (m->cpu_load[c] > m->peak_load)
                        m->peak_load = m->cpu_load[c];
}

/* A long-running --dry-run says what it would do, once per new decision rather than
 * every cycle (nothing moves, so the same moves would be planned again and again). */
static void log_dry_run(const struct manager *m, const struct plan *plan)
{
        size_t at_irq = 0, at_before = 0;

        for (size_t i = 0; i < plan->n; i++) {
                const struct placement *p = &plan->items[i];
                const struct irq *irq = inventory_find_next(&m->obs.inv, p->irq, &at_irq);
                const struct placement *before = m->have_plan ?
                                                 plan_find_next(&m->plan, p->irq, &at_before) : NULL;
                _cleanup_free_ char *from = NULL, *to = NULL;

                if (!irq || hwloc_bitmap_isequal(irq->affinity, p->cpus) ||
                    (before && hwloc_bitmap_isequal(before->cpus, p->cpus)))
                        continue;
                from = irq_placement_format(irq);
                to = cpulist_format(p->cpus);
                /* A mask narrowed around the CPU the IRQ runs on moves nothing. */
                log_info("Would %s IRQ %u (%s) from %s to %s: %s",
                         irq_stays_on_its_cpu(irq, p->cpus) ? "narrow the mask of" : "move",
                         p->irq, irq->name, from ? from : "?", to ? to : "?", p->reason);
        }
}

/* What apply_verify() and the policy need of the placements: the moves that may have
 * happened read back (observer_refresh_placement() says which and why), not every
 * IRQ's two files. *RET_READ: whether any placement was read. */
static int refresh_placement_for_cycle(struct manager *m, bool *ret_read)
{
        const unsigned *written;
        size_t n = apply_readback_irqs(m->apply, &m->obs.inv, &written);
        int r = observer_refresh_placement(&m->obs, written, n);

        *ret_read = r > 0 || n > 0;
        return r;
}

/* Whether two plans place every IRQ, and the default mask, the same. Both are sorted by
 * IRQ number. */
static bool plans_equal(const struct plan *a, const struct plan *b)
{
        if (a->n != b->n || !a->default_affinity != !b->default_affinity ||
            (a->default_affinity && !hwloc_bitmap_isequal(a->default_affinity, b->default_affinity)))
                return false;
        for (size_t i = 0; i < a->n; i++)
                if (a->items[i].irq != b->items[i].irq ||
                    !hwloc_bitmap_isequal(a->items[i].cpus, b->items[i].cpus))
                        return false;
        return true;
}

/* Remembers what the plan just made was made from (see can_keep_plan()). SETTLED: it
 * repeated the plan before and wrote nothing. A failed copy only means planning again
 * next cycle. */
static void remember_plan_input(struct manager *m, bool settled)
{
        const struct irq_inventory *inv = &m->obs.inv;

        m->plan_settled = false;
        m->plan_placements_checked = false;
        if (!settled || (!m->plan_usable && !(m->plan_usable = hwloc_bitmap_alloc())))
                return;
        if (hwloc_bitmap_copy(m->plan_usable, m->topo->usable) < 0)
                return;
        for (size_t i = 0; i < inv->n; i++)
                if (mask_pool_set(m->masks, &m->plan_current[i], placement_seen(&inv->irqs[i])) < 0)
                        return;
        m->plan_obs_generation = m->obs.generation;
        m->plan_config_generation = m->config_generation;
        m->plan_full = apply_full_cpus(m->apply) != NULL;
        m->plan_settled = true;
        m->plan_placements_checked = true;
}

/* Whether this cycle's policy input is the last plan's, so that planning again would
 * make the same plan and write nothing: the plan was a fixed point (it repeated the
 * one before, so each IRQ's `previous` is its own target, and wrote nothing), no
 * planned load left its dead band (CHANGED_LOADS), the inventory, configuration, usable
 * CPUs and full-vector CPUs are the same, apply saw nothing new and has no move to
 * verify (so its holds are the same), and every IRQ is where the policy saw it. The
 * policies are deterministic on their input: none uses time or randomness. Any of
 * these changing, or --dry-run (nothing moves, so nothing settles) and --oneshot,
 * plans again. */
static bool can_keep_plan(const struct manager *m, size_t changed_loads)
{
        const struct irq_inventory *inv = &m->obs.inv;

        if (!m->have_plan || !m->plan_settled || changed_loads > 0 || m->opts->dry_run ||
            m->opts->oneshot || m->plan_obs_generation != m->obs.generation ||
            m->plan_config_generation != m->config_generation ||
            !apply_settled(m->apply) || m->plan_full || apply_full_cpus(m->apply) ||
            !hwloc_bitmap_isequal(m->plan_usable, m->topo->usable) || inv->n > m->pirqs_cap)
                return false;
        if (m->plan_placements_checked)
                return true;
        for (size_t i = 0; i < inv->n; i++)
                if (!hwloc_bitmap_isequal(m->plan_current[i], placement_seen(&inv->irqs[i])))
                        return false;
        return true;
}

int manager_plan_and_apply(struct manager *m)
{
        struct cpu_irq_time times[m->cpu_load_len ? m->cpu_load_len : 1];
        struct policy_input in;
        struct apply_stats stats = {};
        struct plan swap;
        size_t n_times, changed_loads;
        enum plan_stage stage;
        bool settled, all_read, any_read;
        int r;

        r = refresh_placement_for_cycle(m, &any_read);
        if (r < 0)
                return log_error_errno(r, "Failed to read the IRQs' placements: %m");
        /* Only IRQs whose placement was read can show something new. */
        all_read = r > 0 || m->placements_refreshed;
        if (all_read || any_read)
                m->plan_placements_checked = false;
        m->placements_refreshed = false;
        r = all_read ? apply_verify(m->apply, &m->obs.inv, m->topo->online) :
                       apply_verify_readback(m->apply, &m->obs.inv, m->topo->online);
        if (r < 0)
                return log_error_errno(r, "Failed to check last cycle's placements: %m");
        n_times = cpu_irq_times(m, times, m->cpu_load_len);
        /* What was learnt of each device follows its IRQs into a new inventory. */
        if (m->costs_generation != m->obs.generation) {
                r = load_costs_bind(&m->costs, m->obs.inv.irqs, m->obs.inv.n);
                if (r < 0)
                        return log_error_errno(r, "Failed to group the IRQs by device: %m");
                m->costs_generation = m->obs.generation;
        }
        load_estimate(m->obs.inv.irqs, m->obs.inv.n, &m->costs, times, n_times, m->window);
        /* The first windows after start set the loads the first informed placement is
         * made on; from then on the dead band keeps each IRQ's planned load, so a noisy
         * first sample (±20 % per IRQ on the simulator's machines) would stay as it was
         * measured, and the hysteresis would keep queues where a real 11 % gain lies
         * (bench/README.md, 256 × 1000). Their mean over SETTLE_WINDOWS windows halves
         * that noise or better. The first sample, without a window, has loads of 0: the
         * first cycle plans with them, and load_settle() then replaces them all, so no
         * IRQ's dead band is centred on a 0 that was no measurement. */
        if (m->window > 0 && m->settle_windows < SETTLE_WINDOWS)
                changed_loads = load_settle(m->obs.inv.irqs, m->obs.inv.n, ++m->settle_windows);
        else
                changed_loads = load_update_planned(m->obs.inv.irqs, m->obs.inv.n);
        /* The plan on the settled loads places every movable IRQ as new. Until then IRQs
         * stay where the kernel put them (waits_for_load()) or where an earlier run did,
         * unless a move gains the hysteresis; but the kernel placed them without their
         * loads, and its flaws are often just under the hysteresis: it spreads a NIC's
         * queues round-robin over the node, and a CPU with an extra queue beside a
         * managed NVMe queue is 6–10 % above the best placement, a cut no single move
         * of 10 % makes (bench/README.md: on the 1024 × 4096 machine with IRQ time,
         * 1.56 × the lower bound kept against 1.41 placed anew, the constrained bound
         * itself). It costs a write per IRQ at most, once; later plans keep what this
         * one chose. Never a kept plan: it is the one that places the IRQs measured. */
        stage = plan_stage(m);
        if (stage != PLAN_ON_FIRST_LOADS && can_keep_plan(m, changed_loads)) {
                /* No placement read since, none can differ from the plan's. */
                m->plan_placements_checked = true;
                /* Nothing moves; the peak stays the last plan's. */
                m->last_moves = 0;
                m->cycles++;
                return 0;
        }
        r = build_policy_input(m, &in, stage);
        if (r < 0)
                return log_error_errno(r, "Failed to prepare the policy input: %m");
        r = policy_plan_composed(m->settings.policy, &in, &m->next_plan);
        if (r < 0)
                return log_error_errno(r, "Policy %s failed: %m", m->settings.policy->name);

        r = apply_plan(m->apply, &m->obs.inv, &m->next_plan, &stats);
        if (r < 0) {
                plan_done(&m->next_plan);
                return log_error_errno(r, "Failed to apply the plan: %m");
        }
        m->last_moves = stats.changed;
        if (stage == PLAN_ON_FIRST_LOADS)
                m->first_loads_planned = true;
        if (m->opts->dry_run && !m->opts->oneshot)
                log_dry_run(m, &m->next_plan);
        settled = m->have_plan && stats.changed == 0 && plans_equal(&m->next_plan, &m->plan);
        /* The two plans swap, each keeping its storage for the cycle after next. */
        swap = m->plan;
        m->plan = m->next_plan;
        m->next_plan = swap;
        m->have_plan = true;
        account_plan(m, &in);
        remember_plan_input(m, settled);
        m->cycles++;
        return 0;
}

/* Counted by the policy input for this inventory, else (between a rescan and the next
 * plan, or after a plan that failed half-way) counted now. */
static bool states_counted(const struct manager *m)
{
        return m->states_counted && m->states_generation == m->obs.generation;
}

static void count_states(const struct manager *m, unsigned *ret_balanced, unsigned *ret_measuring)
{
        if (states_counted(m)) {
                *ret_balanced = m->balanced_irqs;
                *ret_measuring = m->measuring_irqs;
                return;
        }
        *ret_balanced = *ret_measuring = 0;
        for (size_t i = 0; i < m->obs.inv.n; i++) {
                *ret_balanced += irq_is_balanced(&m->obs.inv.irqs[i]);
                *ret_measuring += m->obs.inv.irqs[i].measuring;
        }
}

unsigned manager_balanced_irqs(const struct manager *m)
{
        unsigned balanced, measuring;

        count_states(m, &balanced, &measuring);
        return balanced;
}

unsigned manager_measuring_irqs(const struct manager *m)
{
        unsigned balanced, measuring;

        count_states(m, &balanced, &measuring);
        return measuring;
}

static bool status_equal(const struct status_summary *a, const struct status_summary *b)
{
        return a->policy == b->policy && a->irqs == b->irqs && a->balanced == b->balanced &&
               a->measuring == b->measuring && a->moves == b->moves && a->usable == b->usable &&
               a->online == b->online && a->peak == b->peak;
}

/* STATUS= after a cycle. The service manager keeps showing the last one, so a timed
 * cycle that would say the same again sends nothing: a steady machine's cycle then
 * costs PID 1 no wake-up, and irqbald a formatted line and a system call (about a
 * tenth of a steady cycle's CPU time at 256 × 1000, bench/README.md). A cycle someone
 * asked for (SIGUSR1, Rebalance, a simulator in lockstep) always ends with one: they
 * wait for its X_IRQBALD_CYCLE. */
static void notify_status(struct manager *m, bool requested)
{
        struct status_summary now = {
                .policy = m->settings.policy,
                .irqs = m->obs.inv.n,
                .moves = m->last_moves,
                .usable = hwloc_bitmap_weight(m->topo->usable),
                .online = hwloc_bitmap_weight(m->topo->online),
                .peak = m->peak_load,
        };
        char text[256], measuring_text[48] = "";

        count_states(m, &now.balanced, &now.measuring);
        if (!requested && m->status_shown && status_equal(&now, &m->last_status))
                return;
        if (now.measuring > 0)
                snprintf(measuring_text, sizeof(measuring_text), ", %u measuring", now.measuring);
        snprintf(text, sizeof(text), "STATUS=%s: %zu IRQs (%u movable%s) on %d/%d CPUs, peak %.2f, "
                 "%u moves\nX_IRQBALD_CYCLE=%" PRIu64, now.policy->name, now.irqs, now.balanced,
                 measuring_text, now.usable, now.online, now.peak, now.moves, m->cycles);
        m->status_shown = notifier_send(&m->notifier, text) >= 0;
        m->last_status = now;
}

/* Every cycle ends with a STATUS when it failed, changed what STATUS says or was
 * REQUESTED (notify_status()). */
static int run_cycle(struct manager *m, bool requested)
{
        uint64_t start = now_usec(CLOCK_MONOTONIC);
        int r = manager_sample(m, 0);
        int sampled = r;

        if (r == 0) {
                r = manager_plan_and_apply(m);
                if (r >= 0) {
                        m->last_cycle_usec = now_usec(CLOCK_MONOTONIC) - start;
                        m->last_cycle_timestamp = now_usec(CLOCK_REALTIME);
                }
        }
        if (r < 0) {
                char text[256];

                snprintf(text, sizeof(text), "STATUS=Cycle failed: %s\nX_IRQBALD_CYCLE=%" PRIu64,
                         strerror(-r), m->cycles);
                (void) notifier_send(&m->notifier, text);
                m->status_shown = false;
        } else
                notify_status(m, requested);
        /* One coalesced PropertiesChanged per cycle that ran. */
        if (r >= 0 && sampled == 0)
                bus_emit_properties_changed(m);
        return r < 0 ? r : sampled;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct manager *m = userdata;
        int r = run_cycle(m, false);

        if (r < 0)
                log_warning_errno(r, "Cycle %" PRIu64 " failed, trying again next interval: %m",
                                  m->cycles + 1);
        return sd_event_source_set_time_relative(s, m->interval_usec);
}

int manager_request_cycle(struct manager *m)
{
        int r = run_cycle(m, true);

        /* The next timed cycle counts from this one. */
        if (m->timer)
                (void) sd_event_source_set_time_relative(m->timer, m->interval_usec);
        return r;
}

static int on_rebalance_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct manager *m = userdata;
        int r = manager_request_cycle(m);

        if (r < 0)
                log_warning_errno(r, "Requested cycle failed: %m");
        return 0;
}

/* SIGHUP (systemctl reload): tell systemd, reload, say ready again. A failed reload
 * keeps what ran before, and balancing goes on either way. */
static int on_reload_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct manager *m = userdata;
        struct timespec ts;
        int r;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        /* Its STATUS replaces the cycles' until the next cycle says it again. */
        m->status_shown = false;
        (void) sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64 "\nSTATUS=Reloading",
                          (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u);
        {
                struct config_diags diags = {};

                r = manager_reload(m, &diags);
                if (r < 0 && diags.errors) {
                        size_t i = 0;
                        const struct config_diag *d;

                        while (diags.items[i].severity != CONFIG_ERROR)
                                i++;
                        d = &diags.items[i];
                        (void) sd_notifyf(0, "READY=1\nSTATUS=Reload failed, running as before: "
                                          "%zu error%s, first %s:%u: %s", diags.errors,
                                          diags.errors == 1 ? "" : "s", d->file, d->line, d->message);
                } else if (r < 0)
                        (void) sd_notifyf(0, "READY=1\nSTATUS=Reload failed (%s), running as before",
                                          strerror(-r));
                else
                        (void) sd_notify(0, "READY=1\nSTATUS=Reloaded");
                config_diags_done(&diags);
        }
        return 0;
}

static int on_stop_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct manager *m = userdata;

        log_info("Received %s, stopping.", strsignal((int) si->ssi_signo));
        (void) sd_notify(0, "STOPPING=1");
        m->state = MANAGER_STOPPING;
        bus_emit_properties_changed(m);
        if (m->settings.restore_on_exit) {
                int r = apply_restore(m->apply);

                if (r < 0)
                        log_warning_errno(r, "Failed to restore the original IRQ masks: %m");
        }
        return sd_event_exit(m->event, 0);
}

static int add_signal(struct manager *m, int sig, sd_event_signal_handler_t handler, const char *name)
{
        sd_event_source *s;
        int r = sd_event_add_signal(m->event, &s, sig, handler, m);

        if (r < 0)
                return log_error_errno(r, "Failed to watch %s: %m", name);
        (void) sd_event_source_set_description(s, name);
        /* The event loop owns it from here on. */
        (void) sd_event_source_set_floating(s, 1);
        sd_event_source_unref(s);
        return 0;
}

int manager_run(struct manager *m)
{
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGUSR1);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        r = sd_event_default(&m->event);
        if (r < 0)
                return log_error_errno(r, "Failed to create the event loop: %m");
        if ((r = add_signal(m, SIGTERM, on_stop_signal, "sigterm")) < 0 ||
            (r = add_signal(m, SIGINT, on_stop_signal, "sigint")) < 0 ||
            (r = add_signal(m, SIGUSR1, on_rebalance_signal, "sigusr1-rebalance")) < 0 ||
            (r = add_signal(m, SIGHUP, on_reload_signal, "sighup-reload")) < 0)
                return r;
        r = sd_event_add_time_relative(m->event, &m->timer, CLOCK_MONOTONIC,
                                       m->interval_usec, 0, on_timer, m);
        if (r < 0)
                return log_error_errno(r, "Failed to add the cycle timer: %m");
        (void) sd_event_source_set_description(m->timer, "cycle-timer");
        (void) sd_event_source_set_enabled(m->timer, SD_EVENT_ON);
        /* Without a watchdog configured this does nothing. */
        (void) sd_event_set_watchdog(m->event, 1);

        /* DESIGN §5: the bus is for status and control, never a precondition; it says
         * why when there is none. */
        if (m->opts->no_bus)
                log_debug("Not connecting to the system bus (--no-bus).");
        else
                (void) bus_connect(m);
        /* Device events make hotplug noticed sooner; without them (a container, a fake
         * root) each cycle's re-read still finds it. */
        (void) hotplug_start(m, &m->hotplug);

        /* The first cycle places IRQs by what is known without rates (constraints,
         * spreading queues); later cycles refine by load. */
        r = run_cycle(m, true);
        if (r < 0) {
                (void) sd_notifyf(0, "STATUS=Failed to start: %s\nERRNO=%i", strerror(-r), -r);
                return r;
        }
        m->state = MANAGER_RUNNING;
        bus_emit_properties_changed(m);
        (void) sd_notify(0, "READY=1");
        {
                _cleanup_free_ char *banned = cpulist_format(m->settings.banned);

                log_info("irqbald %s started: policy %s (%s), %zu IRQs, %d usable CPUs, "
                         "banned CPUs %s (%s), every %g s.", PACKAGE_VERSION,
                         m->settings.policy->name, m->settings.policy_from, m->obs.inv.n,
                         hwloc_bitmap_weight(m->topo->usable),
                         banned && *banned ? banned : "none", m->settings.banned_from,
                         (double) m->interval_usec / 1e6);
        }
        return sd_event_loop(m->event);
}

int manager_set_interval(struct manager *m, uint64_t usec)
{
        if (usec < MANAGER_INTERVAL_MIN_USEC || usec > MANAGER_INTERVAL_MAX_USEC)
                return -ERANGE;
        if (usec != m->interval_usec)
                log_info("Cycle interval changed from %g s to %g s.",
                         (double) m->interval_usec / 1e6, (double) usec / 1e6);
        m->interval_usec = usec;
        if (m->timer) {
                int r = sd_event_source_set_time_relative(m->timer, usec);

                if (r < 0)
                        return log_error_errno(r, "Failed to re-arm the cycle timer: %m");
        }
        bus_emit_properties_changed(m);
        return 0;
}

void manager_refresh_placement(struct manager *m)
{
        inventory_refresh_placement(&m->root, &m->obs.inv);
        m->placements_refreshed = true;
}

int manager_preview_plan(struct manager *m, struct plan *ret)
{
        struct policy_input in;
        int r;

        *ret = (struct plan) {};
        r = build_policy_input(m, &in, plan_stage(m));
        if (r < 0)
                return r;
        return policy_plan_composed(m->settings.policy, &in, ret);
}

const char *manager_irq_state(const struct manager *m, const struct irq *irq)
{
        const struct rule_effect *e = manager_rule_effect(m, irq);

        if (!irq->movable)
                return "unmovable";
        if (e && e->ban)
                return "banned";
        switch (apply_irq_hold(m->apply, irq->number)) {
        case APPLY_HOLD_REFUSED:
                return "refused";
        case APPLY_HOLD_PINNED:
                return "pinned";
        case APPLY_HOLD_BACKING_OFF:
                return "backing-off";
        case APPLY_HOLD_NONE:
                break;
        }
        if (irq->measuring)
                return "measuring";
        /* Not in the last plan: no allowed CPU was usable (CPUs=, full vectors, all
         * reserved by exclusive IRQs). */
        if (m->have_plan && !plan_find(&m->plan, irq->number))
                return "no-usable-cpu";
        return "balanced";
}

hwloc_const_bitmap_t manager_irq_cpus(const struct manager *m, const struct irq *irq)
{
        const struct placement *p = m->have_plan && irq_is_balanced(irq) ?
                                    plan_find(&m->plan, irq->number) : NULL;

        if (p && !hwloc_bitmap_iszero(p->cpus))
                return p->cpus;
        if (irq->has_effective && !hwloc_bitmap_iszero(irq->effective))
                return irq->effective;
        return irq->affinity;
}

void manager_counters(const struct manager *m, struct apply_counters *ret)
{
        apply_total_counters(m->apply, ret);
}

/* The policy that plans IRQ and from where, then every rule that matched it with the
 * keys it set, and the value of each key in the end (later files win key by key). */
static void explain_policy_and_rules(const struct manager *m, const struct irq *irq, GString *out)
{
        struct rule_effect e;
        char origin[128];
        bool first = true;

        rules_resolve(&m->conf, irq, &e);
        if (e.policy)
                g_string_append_printf(out, "  Policy:    %s (Policy= of %s; the daemon's is %s)\n",
                                       e.policy, config_origin_format(&e.policy_origin, origin, sizeof(origin)),
                                       m->settings.policy->name);
        else
                g_string_append_printf(out, "  Policy:    %s (%s)\n", m->settings.policy->name,
                                       m->settings.policy_from);
        for (size_t i = 0; i < m->conf.n_rules; i++) {
                const struct config_rule *rule = &m->conf.rules[i];

                if (!rule_matches(rule, irq))
                        continue;
                g_string_append_printf(out, "  %s %s:%u matched\n", first ? "Rules:    " : "          ",
                                       rule->file, rule->match_line);
                first = false;
        }
        if (first)
                g_string_append(out, "  Rules:     none matched\n");
        if (e.ban)
                g_string_append_printf(out, "             Ban=yes from %s: irqbald leaves it alone\n",
                                       config_origin_format(&e.ban_origin, origin, sizeof(origin)));
        if (e.cpus) {
                _cleanup_free_ char *list = cpulist_format(e.cpus);

                g_string_append_printf(out, "             CPUs=%s from %s\n", list ? list : "?",
                                       config_origin_format(&e.cpus_origin, origin, sizeof(origin)));
        }
        if (e.node_origin.file)
                g_string_append_printf(out, "             Node=%d from %s (the device's is %d)\n", e.node,
                                       config_origin_format(&e.node_origin, origin, sizeof(origin)), irq->node);
        if (e.weight_origin.file)
                g_string_append_printf(out, "             Weight=%g from %s\n", e.weight,
                                       config_origin_format(&e.weight_origin, origin, sizeof(origin)));
        if (e.exclusive)
                g_string_append_printf(out, "             Exclusive=yes from %s\n",
                                       config_origin_format(&e.exclusive_origin, origin, sizeof(origin)));
}

int manager_explain(struct manager *m, unsigned number, GString *out)
{
        const struct irq *irq = inventory_find(&m->obs.inv, number);
        const struct placement *p;
        struct apply_counters c;
        hwloc_const_bitmap_t full;
        _cleanup_free_ char *affinity = NULL, *effective = NULL, *hint = NULL, *target = NULL;
        const char *why;

        if (!irq)
                return -ENOENT;
        why = irq_unbalanced_reason(irq);
        affinity = cpulist_format(irq->affinity);
        g_string_append_printf(out, "IRQ %u (%s)\n", irq->number, irq->name[0] ? irq->name : "no name");
        g_string_append_printf(out, "  Device:    %s", irq->device ? irq->device : irq->chip ? irq->chip : "none");
        if (irq->driver)
                g_string_append_printf(out, ", driver %s", irq->driver);
        if (irq->interface)
                g_string_append_printf(out, ", interface %s", irq->interface);
        g_string_append_printf(out, ", class %s\n", irq_class_to_string(irq->class));
        if (irq->node >= 0)
                g_string_append_printf(out, "  Node:      %d\n", irq->node);
        else
                g_string_append(out, "  Node:      none (no NUMA locality known)\n");
        g_string_append_printf(out, "  Load:      %.1f interrupts/s, %.4f of a CPU (planned %.4f)\n",
                               irq->rate, irq->load, irq->planned_load);
        g_string_append_printf(out, "  Affinity:  %s", affinity ? affinity : "?");
        if (irq->has_effective) {
                effective = cpulist_format(irq->effective);
                g_string_append_printf(out, ", effective %s", effective ? effective : "?");
        }
        if (irq->hint) {
                hint = cpulist_format(irq->hint);
                g_string_append_printf(out, ", driver hint %s", hint ? hint : "?");
        }
        g_string_append_c(out, '\n');
        if (!irq->movable)
                g_string_append_printf(out, "  Balanced:  no, the kernel does not let it move: %s\n",
                                       why ? why : "unmovable");
        else if (irq->measuring)
                g_string_append(out, "  Balanced:  not yet: " IRQ_MEASURING "\n");
        else if (!apply_may_balance(m->apply, number, &why) || irq->balancing_note)
                g_string_append_printf(out, "  Balanced:  no, irqbald leaves it alone: %s\n",
                                       irq->balancing_note ? irq->balancing_note : why ? why : "held back");
        else
                g_string_append(out, "  Balanced:  yes\n");
        explain_policy_and_rules(m, irq, out);
        p = m->have_plan ? plan_find(&m->plan, number) : NULL;
        if (p) {
                target = cpulist_format(p->cpus);
                g_string_append_printf(out, "  Placement: CPU %s, %s (cycle %" PRIu64 ")\n",
                                       target ? target : "?", p->reason, m->cycles);
        } else if (m->have_plan)
                g_string_append(out, "  Placement: not in the last plan (not balanced then)\n");
        else
                g_string_append(out, "  Placement: no plan yet\n");
        full = apply_full_cpus(m->apply);
        if (full) {
                _cleanup_free_ char *f = cpulist_format(full);

                g_string_append_printf(out, "  Full CPUs: %s (no free interrupt vectors, avoided)\n",
                                       f ? f : "?");
        }
        apply_irq_counters(m->apply, number, &c);
        g_string_append_printf(out, "  Writes:    %" PRIu64 " by irqbald, %" PRIu64 " failed\n",
                               c.moves, c.failed_moves);
        return 0;
}
