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

#include "irqbal/cpuset.h"
#include "irqbal/load.h"
#include "irqbal/log.h"
#include "irqbal/manager.h"

#define PROC_UPTIME "/proc/uptime"
#define PROC_STAT "/proc/stat"

int manager_new(const struct options *opts, struct manager **ret)
{
        struct topology_options topts = { .spec = opts->topology, .banned = opts->banned };
        struct manager *m = calloc(1, sizeof(*m));
        struct apply_config aconf;
        int r;

        if (!m)
                return -ENOMEM;
        m->opts = opts;
        m->root.dirfd = -1;
        m->policy = opts->policy ? policy_find(opts->policy) : policy_default();
        if (!m->policy) {
                r = log_error_errno(EINVAL, "Unknown policy '%s'; irqbald --list-policies "
                                    "shows the policies there are.", opts->policy);
                goto fail;
        }
        policy_params_default(&m->params);
        m->params.hysteresis = opts->hysteresis;
        m->params.pack_low = opts->pack_low;
        m->params.pack_high = opts->pack_high;
        if (!hwloc_bitmap_iszero(opts->housekeeping))
                m->params.housekeeping = opts->housekeeping;

        r = root_open(&m->root, opts->root);
        if (r < 0) {
                log_error_errno(r, "Failed to open root directory %s: %m", opts->root);
                goto fail;
        }
        r = topology_load(&m->root, &topts, &m->topo);
        if (r < 0) {
                log_error_errno(r, "Failed to load the topology: %m");
                goto fail;
        }
        m->cpu_load_len = (size_t) hwloc_bitmap_last(m->topo->all) + 1;
        m->cpu_load = calloc(m->cpu_load_len, sizeof(double));
        if (!m->cpu_load) {
                r = -ENOMEM;
                goto fail;
        }
        observer_init(&m->obs, &m->root, m->topo);
        apply_config_default(&aconf);
        aconf.dry_run = opts->dry_run;
        aconf.respect_external_pins = opts->respect_external_pins;
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
        sd_event_source_unref(m->timer);
        sd_event_unref(m->event);
        if (m->topo)
                observer_done(&m->obs);
        for (size_t i = 0; i < m->pirqs_cap; i++)
                hwloc_bitmap_free(m->allowed[i]);
        free(m->allowed);
        free(m->pirqs);
        plan_done(&m->plan);
        apply_state_free(m->apply);
        free(m->cpu_load);
        procstat_done(&m->stat[0]);
        procstat_done(&m->stat[1]);
        textbuf_done(&m->statbuf);
        topology_free(m->topo);
        if (m->root.dirfd >= 0)
                root_close(&m->root);
        free(m);
}

static int read_uptime(struct manager *m, double *ret)
{
        _cleanup_free_ char *s = NULL;
        struct timespec ts;
        char *end;
        double v;
        int r = root_read_line(&m->root, PROC_UPTIME, &s);

        /* A fake root made by hand may have no clock of its own: use the host's. */
        if (r == -ENOENT && !root_is_host(&m->root) &&
            clock_gettime(CLOCK_BOOTTIME, &ts) == 0) {
                *ret = (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "Failed to read %s%s: %m",
                                       root_is_host(&m->root) ? "" : m->root.path, PROC_UPTIME);
        v = strtod(s, &end);
        if (end == s || !isfinite(v) || v < 0)
                return log_error_errno(EINVAL, "%s%s: not an uptime: '%s'",
                                       root_is_host(&m->root) ? "" : m->root.path, PROC_UPTIME, s);
        *ret = v;
        return 0;
}

/* /proc/stat gives the per-CPU IRQ time when the kernel accounts it. Not fatal: the
 * load model works from rates alone. */
static void read_stat(struct manager *m)
{
        unsigned next = m->have_stat ? !m->stat_now : m->stat_now;
        int r = root_read_buf(&m->root, PROC_STAT, &m->statbuf);

        if (r >= 0)
                r = procstat_parse(m->statbuf.data, PROC_STAT, &m->stat[next]);
        if (r < 0) {
                log_debug_errno(r, "Failed to read %s, loads from rates only: %m", PROC_STAT);
                m->have_stat = false;
                return;
        }
        m->stat_now = next;
        m->have_stat = true;
}

int manager_sample(struct manager *m, double fallback_window)
{
        double now = 0, window = 0;
        bool first = m->cycles == 0 && !m->obs.have_prev;
        int r;

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
        /* DESIGN §4.7: re-read the online CPUs every cycle, whatever else tells us. */
        r = topology_refresh(m->topo, &m->root, m->opts->banned);
        if (r < 0)
                return log_error_errno(r, "Failed to re-read the online CPUs: %m");
        if (r > 0) {
                _cleanup_free_ char *usable = cpulist_format(m->topo->usable);

                log_info("Usable CPUs are now %s.", usable ? usable : "?");
        }
        r = observer_read(&m->obs, window);
        if (r < 0)
                return r;
        read_stat(m);
        m->uptime = now;
        m->window = window;
        return 0;
}

/* Seconds each CPU spent in IRQ context over the window, when the kernel counts it. */
static size_t cpu_irq_times(const struct manager *m, struct cpu_irq_time *times, size_t max)
{
        const struct procstat *now = &m->stat[m->stat_now], *prev = &m->stat[!m->stat_now];
        long hz = sysconf(_SC_CLK_TCK);
        size_t n = 0;

        if (!m->have_stat || m->window <= 0 || !procstat_has_irq_time(now) || hz <= 0)
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
        for (; m->pirqs_cap < n; m->pirqs_cap++) {
                m->allowed[m->pirqs_cap] = hwloc_bitmap_alloc();
                if (!m->allowed[m->pirqs_cap])
                        return -ENOMEM;
        }
        return 0;
}

/* The CPU the previous plan chose for an IRQ, if it chose exactly one. */
static int previous_cpu(const struct manager *m, unsigned irq)
{
        const struct placement *p = m->have_plan ? plan_find(&m->plan, irq) : NULL;

        if (!p || hwloc_bitmap_weight(p->cpus) != 1)
                return -1;
        return hwloc_bitmap_first(p->cpus);
}

static int build_policy_input(struct manager *m, struct policy_input *in)
{
        const struct irq_inventory *inv = &m->obs.inv;
        int r = reserve_policy_input(m, inv->n);

        if (r < 0)
                return r;
        for (size_t i = 0; i < inv->n; i++) {
                struct irq *irq = &inv->irqs[i];
                struct policy_irq *p = &m->pirqs[i];
                /* Where it runs is the effective CPU. But a movable IRQ whose mask still
                 * spans several CPUs was never placed: the kernel's pick inside the mask
                 * is no placement worth keeping, so the policy sees the mask. */
                bool effective = irq->has_effective && !hwloc_bitmap_iszero(irq->effective) &&
                                 (!irq_is_balanced(irq) || hwloc_bitmap_weight(irq->affinity) == 1);
                hwloc_const_bitmap_t full = apply_full_cpus(m->apply, irq->number);
                const char *why;

                /* The kernel refused it, someone pinned it, or it is backing off: a
                 * judgement of this cycle, so the inventory's own view stays as is. */
                free(irq->balancing_note);
                irq->balancing_note = NULL;
                if (irq->movable && !apply_may_balance(m->apply, irq->number, &why))
                        irq->balancing_note = strdup(why ? why : "left alone");
                hwloc_bitmap_copy(m->allowed[i], m->topo->usable);
                if (full)
                        hwloc_bitmap_andnot(m->allowed[i], m->allowed[i], full);
                *p = (struct policy_irq) {
                        .irq = irq->number,
                        .name = irq->name,
                        .device = irq->device,
                        .class = irq->class,
                        .node = irq->node,
                        .load = irq->planned_load,
                        .movable = irq_is_balanced(irq) && !hwloc_bitmap_iszero(m->allowed[i]),
                        .allowed = m->allowed[i],
                        .current = effective ? irq->effective : irq->affinity,
                        .hint = irq->hint,
                        .previous = previous_cpu(m, irq->number),
                };
        }
        *in = (struct policy_input) {
                .topo = m->topo, .irqs = m->pirqs, .n = inv->n, .params = &m->params,
        };
        return 0;
}

/* Per-CPU load if the plan is carried out: movable IRQs on their targets, the others
 * where they are; a set target shares the load over its CPUs. */
static void account_plan(struct manager *m, const struct policy_input *in)
{
        memset(m->cpu_load, 0, m->cpu_load_len * sizeof(double));
        m->peak_load = 0;
        for (size_t i = 0; i < in->n; i++) {
                const struct placement *p = in->irqs[i].movable ? plan_find(&m->plan, in->irqs[i].irq) : NULL;
                hwloc_const_bitmap_t where = p ? p->cpus : in->irqs[i].current;
                int weight = hwloc_bitmap_weight(where);
                unsigned cpu;

                if (weight <= 0)
                        continue;
                hwloc_bitmap_foreach_begin(cpu, where)
                        if (cpu < m->cpu_load_len)
                                m->cpu_load[cpu] += in->irqs[i].load / weight;
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
        for (size_t i = 0; i < plan->n; i++) {
                const struct placement *p = &plan->items[i];
                const struct irq *irq = inventory_find(&m->obs.inv, p->irq);
                const struct placement *before = m->have_plan ? plan_find(&m->plan, p->irq) : NULL;
                _cleanup_free_ char *from = NULL, *to = NULL;

                if (!irq || hwloc_bitmap_isequal(irq->affinity, p->cpus) ||
                    (before && hwloc_bitmap_isequal(before->cpus, p->cpus)))
                        continue;
                from = cpulist_format(irq->affinity);
                to = cpulist_format(p->cpus);
                log_info("Would move IRQ %u (%s) from %s to %s: %s", p->irq, irq->name,
                         from ? from : "?", to ? to : "?", p->reason);
        }
}

int manager_plan_and_apply(struct manager *m)
{
        struct cpu_irq_time times[m->cpu_load_len ? m->cpu_load_len : 1];
        struct policy_input in;
        struct plan next = {};
        struct apply_stats stats = {};
        size_t n_times;
        int r;

        r = apply_verify(m->apply, &m->obs.inv, m->topo->online);
        if (r < 0)
                return log_error_errno(r, "Failed to check last cycle's placements: %m");
        n_times = cpu_irq_times(m, times, m->cpu_load_len);
        load_estimate(m->obs.inv.irqs, m->obs.inv.n, times, n_times, m->window);
        load_update_planned(m->obs.inv.irqs, m->obs.inv.n);
        r = build_policy_input(m, &in);
        if (r < 0)
                return log_error_errno(r, "Failed to prepare the policy input: %m");
        r = m->policy->plan(&in, &next);
        if (r < 0)
                return log_error_errno(r, "Policy %s failed: %m", m->policy->name);

        r = apply_plan(m->apply, &m->obs.inv, &next, &stats);
        if (r < 0) {
                plan_done(&next);
                return log_error_errno(r, "Failed to apply the plan: %m");
        }
        m->last_moves = stats.changed;
        if (m->opts->dry_run && !m->opts->oneshot)
                log_dry_run(m, &next);
        plan_done(&m->plan);
        m->plan = next;
        m->have_plan = true;
        account_plan(m, &in);
        m->cycles++;
        return 0;
}

static void notify_status(struct manager *m)
{
        size_t movable = 0;

        for (size_t i = 0; i < m->obs.inv.n; i++)
                movable += irq_is_balanced(&m->obs.inv.irqs[i]);
        (void) sd_notifyf(0, "STATUS=%s: %zu IRQs (%zu movable) on %d/%d CPUs, peak %.2f, %u moves\n"
                          "X_IRQBALD_CYCLE=%" PRIu64,
                          m->policy->name, m->obs.inv.n, movable,
                          hwloc_bitmap_weight(m->topo->usable), hwloc_bitmap_weight(m->topo->online),
                          m->peak_load, m->last_moves, m->cycles);
}

/* Every cycle ends with a STATUS, even one that learnt nothing or failed: whoever
 * asked for it (SIGUSR1, a simulator in lockstep) waits for that. */
static int run_cycle(struct manager *m)
{
        int r = manager_sample(m, 0);

        if (r == 0)
                r = manager_plan_and_apply(m);
        if (r < 0)
                (void) sd_notifyf(0, "STATUS=Cycle failed: %s\nX_IRQBALD_CYCLE=%" PRIu64,
                                  strerror(-r), m->cycles);
        else
                notify_status(m);
        return r < 0 ? r : 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct manager *m = userdata;
        int r = run_cycle(m);

        if (r < 0)
                log_warning_errno(r, "Cycle %" PRIu64 " failed, trying again next interval: %m",
                                  m->cycles + 1);
        return sd_event_source_set_time_relative(s, (uint64_t) (m->opts->interval * 1e6));
}

static int on_rebalance_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct manager *m = userdata;
        int r = run_cycle(m);

        if (r < 0)
                log_warning_errno(r, "Requested cycle failed: %m");
        /* The next timed cycle counts from this one. */
        return sd_event_source_set_time_relative(m->timer, (uint64_t) (m->opts->interval * 1e6));
}

static int on_stop_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct manager *m = userdata;

        log_info("Received %s, stopping.", strsignal((int) si->ssi_signo));
        (void) sd_notify(0, "STOPPING=1");
        if (m->opts->restore_on_exit) {
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
        sigprocmask(SIG_BLOCK, &mask, NULL);

        r = sd_event_default(&m->event);
        if (r < 0)
                return log_error_errno(r, "Failed to create the event loop: %m");
        if ((r = add_signal(m, SIGTERM, on_stop_signal, "sigterm")) < 0 ||
            (r = add_signal(m, SIGINT, on_stop_signal, "sigint")) < 0 ||
            (r = add_signal(m, SIGUSR1, on_rebalance_signal, "sigusr1-rebalance")) < 0)
                return r;
        r = sd_event_add_time_relative(m->event, &m->timer, CLOCK_MONOTONIC,
                                       (uint64_t) (m->opts->interval * 1e6), 0, on_timer, m);
        if (r < 0)
                return log_error_errno(r, "Failed to add the cycle timer: %m");
        (void) sd_event_source_set_description(m->timer, "cycle-timer");
        (void) sd_event_source_set_enabled(m->timer, SD_EVENT_ON);
        /* Without a watchdog configured this does nothing. */
        (void) sd_event_set_watchdog(m->event, 1);

        /* The first cycle places IRQs by what is known without rates (constraints,
         * spreading queues); later cycles refine by load. */
        r = run_cycle(m);
        if (r < 0) {
                (void) sd_notifyf(0, "STATUS=Failed to start: %s\nERRNO=%i", strerror(-r), -r);
                return r;
        }
        (void) sd_notify(0, "READY=1");
        log_info("irqbald %s started: policy %s, %zu IRQs, %d usable CPUs, every %g s.",
                 PACKAGE_VERSION, m->policy->name, m->obs.inv.n,
                 hwloc_bitmap_weight(m->topo->usable), m->opts->interval);
        return sd_event_loop(m->event);
}
