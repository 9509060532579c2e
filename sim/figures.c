/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The trace (--trace FILE) is the ground truth the figures are computed from, step by
 * step, for plots (bench/heatmap). Tab-separated lines, the first field says what the
 * line is; loads are in CPUs (1.0 = one CPU busy with interrupts all the time) and
 * steps count from 0:
 *
 *   # irqbal-sim trace 1
 *   scenario  PATH
 *   machine   NCPUS  STEP_SECONDS  SEED
 *   node      ID  CPULIST                 one per NUMA node
 *   phase     STEP  NAME                  the phase that starts at STEP
 *   cpus      STEP  STATES                from STEP on, one character per CPU 0 …
 *                                         NCPUS-1: u usable, i isolated or nohz_full,
 *                                         o offline, - not possible (written at the
 *                                         first step and whenever a state changes)
 *   load      STEP  BOUND  L0 … L(NCPUS-1)   the lower bound, then what each CPU handled
 *   writes    STEP  N                     affinity writes seen after STEP (the
 *                                         daemon's cycle that followed it; -1: start-up),
 *                                         only when N > 0
 *
 * Every step's lines are flushed with it, so a run that is cut short leaves a
 * readable trace.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/cpuset.h"
#include "irqbal/json.h"
#include "irqbal/log.h"
#include "irqbal/macro.h"
#include "figures.h"

#define TRACE_MAGIC "# irqbal-sim trace 1"

void figures_init(struct figures *f, const struct scenario *sc)
{
        *f = (struct figures) {
                .sc = sc,
                .steps = g_array_new(false, true, sizeof(struct step_record)),
                .restore_mismatches = g_ptr_array_new_with_free_func(g_free),
                .trace_phase = (size_t) -1,
                .reload_status = g_new0(char *, sc->n_phases + 1),
        };
}

void figures_set_reload_status(struct figures *f, size_t phase, const char *status)
{
        g_free(f->reload_status[phase]);
        f->reload_status[phase] = g_strdup(status ? status : "");
}

void figures_done(struct figures *f)
{
        (void) figures_trace_close(f);
        g_array_free(f->steps, true);
        g_ptr_array_free(f->restore_mismatches, true);
        /* Not g_strfreev(): phases without a reload leave NULL holes. */
        for (size_t i = 0; f->reload_status && i < f->sc->n_phases; i++)
                g_free(f->reload_status[i]);
        g_free(f->reload_status);
}

int figures_trace_open(struct figures *f, const struct machine *m, const char *path)
{
        f->trace = fopen(path, "we");
        if (!f->trace)
                return log_error_errno(errno, "Failed to create the trace %s: %m", path);
        fprintf(f->trace, TRACE_MAGIC "\nscenario\t%s\nmachine\t%u\t%g\t%u\n", f->sc->path, m->ncpus,
                m->step, f->sc->seed);
        for (size_t i = 0; i < m->topo->n_nodes; i++) {
                _cleanup_free_ char *cpus = cpulist_format(m->topo->nodes[i].cpus);

                fprintf(f->trace, "node\t%d\t%s\n", m->topo->nodes[i].os_index, cpus ? cpus : "");
        }
        return 0;
}

int figures_trace_close(struct figures *f)
{
        int r = 0;

        if (!f->trace)
                return 0;
        if (ferror(f->trace) | (fclose(f->trace) != 0))
                r = log_error_errno(EIO, "Failed to write the trace.");
        f->trace = NULL;
        g_clear_pointer(&f->trace_cpus, g_free);
        return r;
}

static char cpu_state(const struct machine *m, unsigned cpu)
{
        if (!hwloc_bitmap_isset(m->possible, cpu))
                return '-';
        if (!hwloc_bitmap_isset(m->online, cpu))
                return 'o';
        if (hwloc_bitmap_isset(m->isolated, cpu) || hwloc_bitmap_isset(m->nohz_full, cpu))
                return 'i';
        return 'u';
}

static void trace_step(struct figures *f, const struct machine *m, const struct step_record *rec)
{
        size_t step = f->steps->len;
        g_autofree char *states = g_new(char, m->ncpus + 1);

        if (rec->phase != f->trace_phase) {
                fprintf(f->trace, "phase\t%zu\t%s\n", step, f->sc->phases[rec->phase].name);
                f->trace_phase = rec->phase;
        }
        for (unsigned cpu = 0; cpu < m->ncpus; cpu++)
                states[cpu] = cpu_state(m, cpu);
        states[m->ncpus] = 0;
        if (!f->trace_cpus || strcmp(states, f->trace_cpus) != 0) {
                fprintf(f->trace, "cpus\t%zu\t%s\n", step, states);
                g_free(f->trace_cpus);
                f->trace_cpus = g_steal_pointer(&states);
        }
        fprintf(f->trace, "load\t%zu\t%.5g", step, rec->lower_bound / 1e6);
        for (unsigned cpu = 0; cpu < m->ncpus; cpu++)
                fprintf(f->trace, "\t%.5g", m->load[cpu] / 1e6);
        fputc('\n', f->trace);
        fflush(f->trace);
}

struct movable {
        double expected;        /* rate × cost: what a daemon can know ahead */
        double load;            /* what the step delivered (noise included) */
        int device;
};

static int cmp_heavier_first(const void *a, const void *b)
{
        const struct movable *x = a, *y = b;

        return x->expected > y->expected ? -1 : x->expected < y->expected;
}

/* CPUs (as an array) where a device's movable IRQs may go: its node's usable CPUs,
 * else every usable CPU, else every online one. */
static unsigned *candidates(const struct machine *m, hwloc_const_bitmap_t usable, hwloc_const_bitmap_t local,
                            unsigned *ret_n)
{
        hwloc_bitmap_t set = hwloc_bitmap_alloc();
        unsigned *cpus = g_new(unsigned, m->ncpus), n = 0;
        int cpu;

        if (local)
                hwloc_bitmap_and(set, usable, local);
        if (hwloc_bitmap_iszero(set))
                hwloc_bitmap_copy(set, usable);
        if (hwloc_bitmap_iszero(set))
                hwloc_bitmap_copy(set, m->online);
        hwloc_bitmap_foreach_begin(cpu, set)
                if ((unsigned) cpu < m->ncpus)
                        cpus[n++] = (unsigned) cpu;
        hwloc_bitmap_foreach_end();
        hwloc_bitmap_free(set);
        *ret_n = n;
        return cpus;
}

/* Largest load first, each on the least loaded CPU it may use (LPT, within 4/3 of the
 * best placement under the same constraints; in practice near it), then the peak of
 * that placement under this step's loads. The placement is chosen on the expected
 * loads (rate × cost), not on the step's noisy ones: a placement that followed the
 * noise would need writes every step, which is what a daemon must not do. It ignores
 * VectorsFull=, which depends on where the IRQs already are. */
static double best_peak(const struct machine *m, hwloc_const_bitmap_t usable)
{
        g_autofree double *expected = g_new0(double, m->ncpus);
        g_autofree double *load = g_new0(double, m->ncpus);
        g_autofree struct movable *mv = g_new(struct movable, m->n_irqs + 1);
        g_autofree unsigned **cand = g_new0(unsigned *, m->n_devices + 1);
        g_autofree unsigned *n_cand = g_new0(unsigned, m->n_devices + 1);
        size_t n = 0;
        double peak = 0;

        for (size_t i = 0; i < m->n_irqs; i++) {
                const struct sim_irq *irq = &m->irqs[i];
                double l = irq->step_count * irq->cost / m->step;

                if (irq->step_cpu < 0)
                        continue;
                if (irq->managed || irq->pinned) {
                        expected[irq->step_cpu] += irq->rate * irq->cost;
                        load[irq->step_cpu] += l;
                } else {
                        mv[n++] = (struct movable) { .expected = irq->rate * irq->cost, .load = l,
                                                     .device = irq->device };
                }
        }
        qsort(mv, n, sizeof(*mv), cmp_heavier_first);
        for (size_t i = 0; i < n; i++) {
                size_t d = mv[i].device >= 0 ? (size_t) mv[i].device : m->n_devices;
                unsigned best;

                if (!cand[d])
                        cand[d] = candidates(m, usable, d < m->n_devices ? m->devices[d].local : NULL, &n_cand[d]);
                if (n_cand[d] == 0)
                        continue;
                best = cand[d][0];
                for (unsigned k = 1; k < n_cand[d]; k++)
                        if (expected[cand[d][k]] < expected[best])
                                best = cand[d][k];
                expected[best] += mv[i].expected;
                load[best] += mv[i].load;
        }
        for (size_t d = 0; d <= m->n_devices; d++)
                g_free(cand[d]);
        for (unsigned cpu = 0; cpu < m->ncpus; cpu++)
                peak = fmax(peak, load[cpu]);
        return peak;
}

static int cmp_heavier_load_first(const void *a, const void *b)
{
        const struct movable *x = a, *y = b;

        return x->load > y->load ? -1 : x->load < y->load;
}

/* Past this many nodes with usable CPUs, 2^n node sets are too many to try each step:
 * only single nodes and the whole machine are (still a valid bound, maybe a lower one
 * where a device's CPUs span several nodes but not all). */
#define MAX_NODE_SETS_NODES 12

/* What constrained_bound() works from, and its scratch space. */
struct bound_input {
        hwloc_const_bitmap_t anywhere;  /* where IRQs without a node of their own may go */
        const double *fixed;            /* per CPU: the load of managed and pinned IRQs */
        hwloc_bitmap_t *allowed;        /* per device: its movable IRQs' CPUs; NULL: anywhere */
        const struct movable *mv;       /* movable IRQs, heaviest first by .load; .device
                                         * is -1 for those that may go anywhere */
        size_t n_mv;
        double *sum;                    /* n_mv + 1 */
        bool *within;                   /* per device */
};

/* The most load some CPU of SET carries in every placement, as far as two counts show:
 * what must land on SET (the fixed load there and every movable IRQ whose CPUs lie
 * within it) averaged over its CPUs; and, IRQs being whole, some CPU takes k + 1 of the
 * k·c + 1 heaviest of those IRQs (c: SET's CPUs), so at least the k + 1 lightest of
 * them, over the least fixed load of SET (k = 0: the heaviest IRQ). */
static double set_bound(const struct machine *m, hwloc_const_bitmap_t set, const struct bound_input *in)
{
        bool all = hwloc_bitmap_isincluded(in->anywhere, set);
        double fixed = 0, least = INFINITY, bound;
        size_t c = 0, n = 0;
        int cpu;

        hwloc_bitmap_foreach_begin(cpu, set)
                if ((unsigned) cpu < m->ncpus) {
                        fixed += in->fixed[cpu];
                        least = fmin(least, in->fixed[cpu]);
                        c++;
                }
        hwloc_bitmap_foreach_end();
        if (c == 0)
                return 0;
        for (size_t d = 0; d < m->n_devices; d++)
                in->within[d] = in->allowed[d] && hwloc_bitmap_isincluded(in->allowed[d], set);
        /* Prefix sums of the loads that must land on SET, heaviest first. */
        in->sum[0] = 0;
        for (size_t i = 0; i < in->n_mv; i++)
                if (in->mv[i].device < 0 ? all : in->within[in->mv[i].device]) {
                        in->sum[n + 1] = in->sum[n] + in->mv[i].load;
                        n++;
                }
        bound = (fixed + in->sum[n]) / (double) c;
        for (size_t k = 0; k * c + 1 <= n; k++)
                bound = fmax(bound, least + in->sum[k * c + 1] - in->sum[k * c - k]);
        return bound;
}

/* A lower bound on the expected peak of ANY placement within best_peak()'s
 * constraints, from the IRQs' expected loads (rate × cost) this step: managed and pinned IRQs stay on the CPU that took their
 * interrupts; a device's movable IRQs go to its node's usable CPUs when it has some
 * (candidates()); the other movable IRQs anywhere usable (online when nothing is).
 * best_peak() is one such placement, so this never exceeds it; unlike it, this is
 * proven, so it is what "where the constraints allow" can be judged against. The
 * largest of:
 *   - the most fixed load on one CPU, usable or not;
 *   - set_bound() of every set of nodes with usable CPUs (their usable CPUs), and of
 *     all usable CPUs: the latter's average is total ÷ usable CPUs without the fixed
 *     load on CPUs no placement may use, which competes with nothing; its k = 0 count
 *     is the heaviest movable IRQ. Sets, not single nodes alone: a device whose CPUs
 *     span two nodes of four only counts where both are.
 * Loads on unusable CPUs are why this can fall below DESIGN.md's bound, which counts
 * them as if they competed. */
static double constrained_bound(const struct machine *m, hwloc_const_bitmap_t usable)
{
        g_autofree double *fixed = g_new0(double, m->ncpus);
        g_autofree hwloc_bitmap_t *allowed = g_new0(hwloc_bitmap_t, m->n_devices);
        g_autofree hwloc_bitmap_t *node = g_new0(hwloc_bitmap_t, m->topo->n_nodes);
        g_autofree struct movable *mv = g_new(struct movable, m->n_irqs + 1);
        g_autofree double *sum = g_new(double, m->n_irqs + 1);
        g_autofree bool *within = g_new0(bool, m->n_devices);
        struct bound_input in = {
                .anywhere = hwloc_bitmap_iszero(usable) ? m->online : usable,
                .fixed = fixed, .allowed = allowed, .mv = mv, .sum = sum, .within = within,
        };
        hwloc_bitmap_t set = hwloc_bitmap_alloc();
        double bound = 0;
        size_t n_nodes = 0;

        /* As candidates(): a device's node only when it has usable CPUs, and no node at
         * all when nothing is usable (everything then goes to any online CPU). */
        for (size_t d = 0; d < m->n_devices && !hwloc_bitmap_iszero(usable); d++) {
                allowed[d] = hwloc_bitmap_alloc();
                hwloc_bitmap_and(allowed[d], usable, m->devices[d].local);
                if (hwloc_bitmap_iszero(allowed[d]))
                        g_clear_pointer(&allowed[d], hwloc_bitmap_free);
        }
        for (size_t i = 0; i < m->n_irqs; i++) {
                const struct sim_irq *irq = &m->irqs[i];
                /* Expected, not this step's noisy load: a daemon places IRQs before it
                 * sees a step's noise, and no fixed placement follows it. The peak's
                 * expectation is at least the expected loads' peak, so this bounds the
                 * steady mean of peak ÷ bound, not one step's. */
                double l = irq->rate * irq->cost;

                if (irq->step_cpu < 0)
                        continue;
                if (irq->managed || irq->pinned) {
                        fixed[irq->step_cpu] += l;
                        bound = fmax(bound, fixed[irq->step_cpu]);
                } else {
                        mv[in.n_mv++] = (struct movable) {
                                .load = l, .device = irq->device >= 0 && allowed[irq->device] ? irq->device : -1,
                        };
                }
        }
        qsort(mv, in.n_mv, sizeof(*mv), cmp_heavier_load_first);
        for (size_t i = 0; i < m->topo->n_nodes; i++) {
                node[n_nodes] = hwloc_bitmap_alloc();
                hwloc_bitmap_and(node[n_nodes], m->topo->nodes[i].cpus, in.anywhere);
                if (hwloc_bitmap_iszero(node[n_nodes]))
                        hwloc_bitmap_free(node[n_nodes]);
                else
                        n_nodes++;
        }
        if (n_nodes <= MAX_NODE_SETS_NODES) {
                for (unsigned long s = 1; s < 1UL << n_nodes; s++) {
                        hwloc_bitmap_zero(set);
                        for (size_t k = 0; k < n_nodes; k++)
                                if (s & 1UL << k)
                                        hwloc_bitmap_or(set, set, node[k]);
                        bound = fmax(bound, set_bound(m, set, &in));
                }
        } else {
                for (size_t k = 0; k < n_nodes; k++)
                        bound = fmax(bound, set_bound(m, node[k], &in));
        }
        /* The nodes may not cover every CPU (a capture without node directories). */
        bound = fmax(bound, set_bound(m, in.anywhere, &in));
        for (size_t k = 0; k < n_nodes; k++)
                hwloc_bitmap_free(node[k]);
        for (size_t d = 0; d < m->n_devices; d++)
                if (allowed[d])
                        hwloc_bitmap_free(allowed[d]);
        hwloc_bitmap_free(set);
        return bound;
}

void figures_record_step(struct figures *f, size_t phase, const struct machine *m)
{
        struct step_record rec = { .phase = phase };
        hwloc_bitmap_t usable = hwloc_bitmap_dup(m->online);
        g_autofree double *expected = g_new0(double, m->ncpus);
        double total = 0, heaviest = 0;
        int n_usable;
        unsigned cpu;

        hwloc_bitmap_andnot(usable, usable, m->isolated);
        hwloc_bitmap_andnot(usable, usable, m->nohz_full);
        n_usable = hwloc_bitmap_weight(usable);
        for (size_t i = 0; i < m->n_irqs; i++) {
                const struct sim_irq *irq = &m->irqs[i];
                double load = irq->step_count * irq->cost / m->step;

                rec.irqs += irq->present;
                if (irq->step_cpu < 0)
                        continue;
                total += load;
                heaviest = fmax(heaviest, load);
                if ((unsigned) irq->step_cpu < m->ncpus)
                        expected[irq->step_cpu] += irq->rate * irq->cost;
                if (irq->device >= 0 && irq->node >= 0) {
                        hwloc_const_bitmap_t local = m->devices[irq->device].local;
                        bool here = hwloc_bitmap_isset(local, (unsigned) irq->step_cpu);

                        rec.with_node += load;
                        rec.local += here ? load : 0;
                        if (!irq->managed && !irq->pinned && hwloc_bitmap_intersects(local, usable)) {
                                rec.with_node_movable += load;
                                rec.local_movable += here ? load : 0;
                        }
                }
        }
        for (cpu = 0; cpu < m->ncpus; cpu++) {
                rec.peak = fmax(rec.peak, m->load[cpu]);
                rec.placed_expected = fmax(rec.placed_expected, expected[cpu]);
                if (!hwloc_bitmap_isset(usable, cpu))
                        rec.banned += m->load[cpu];
        }
        rec.lower_bound = fmax(n_usable > 0 ? total / n_usable : total, heaviest);
        rec.best = best_peak(m, usable);
        rec.constrained = constrained_bound(m, usable);
        hwloc_bitmap_free(usable);
        if (f->trace)
                trace_step(f, m, &rec);
        g_array_append_val(f->steps, rec);
}

static void add(struct rootfs_writes *to, const struct rootfs_writes *w)
{
        to->total += w->total;
        to->managed += w->managed;
        to->pinned += w->pinned;
}

void figures_add_writes(struct figures *f, const struct rootfs_writes *w)
{
        if (f->trace && w->total > 0) {
                fprintf(f->trace, "writes\t%ld\t%u\n", (long) f->steps->len - 1, w->total);
                fflush(f->trace);
        }
        if (f->steps->len == 0)
                add(&f->startup, w);
        else
                add(&g_array_index(f->steps, struct step_record, f->steps->len - 1).writes, w);
}

void figures_check_restore(struct figures *f, const struct machine *m)
{
        for (size_t i = 0; i < m->n_irqs; i++) {
                const struct sim_irq *irq = &m->irqs[i];
                _cleanup_free_ char *now = NULL, *want = NULL;

                if (!irq->present || irq->managed || !irq->daemon_wrote)
                        continue;
                f->restore_checked++;
                if (hwloc_bitmap_isequal(irq->mask, irq->original)) {
                        f->restore_ok++;
                        continue;
                }
                now = cpulist_format(irq->mask);
                want = cpulist_format(irq->original);
                g_ptr_array_add(f->restore_mismatches,
                                g_strdup_printf("IRQ %u: %s, expected %s", irq->number, now, want));
        }
}

/* Peak ÷ lower bound; an idle machine is perfectly balanced. */
static double ratio(const struct step_record *r)
{
        return r->lower_bound > 0 ? r->peak / r->lower_bound : 1.0;
}

struct phase_summary {
        size_t first, end;              /* its steps: [first, end) */
        size_t steady;                  /* the first steady step */
        long converged;                 /* cycles after the start, -1: never */
        long settled;                   /* cycles after the start from which nothing
                                         * was written any more, -1: never */
        double ratio_last, ratio_mean;  /* at the last step, mean over steady steps */
        double best_last, best_mean;    /* the same for best_peak() */
        double constrained_last, constrained_mean;      /* … and for constrained_bound() */
        double placed_expected_last, placed_expected_mean;      /* … and placed_expected */
        double local_share;             /* NaN: no device IRQ with a node had load */
        double local_movable_share;     /* NaN: none a daemon could place on its node */
        double banned_max;              /* µs/s */
        double peak_last, bound_last;   /* µs/s */
        struct rootfs_writes writes;
        double writes_per_irq_hour;
        double steady_writes_per_irq_hour;
};

static double best_ratio(const struct step_record *r)
{
        return r->lower_bound > 0 ? r->best / r->lower_bound : 1.0;
}

static double constrained_ratio(const struct step_record *r)
{
        return r->lower_bound > 0 ? r->constrained / r->lower_bound : 1.0;
}

static double placed_expected_ratio(const struct step_record *r)
{
        return r->lower_bound > 0 ? r->placed_expected / r->lower_bound : 1.0;
}

/* Writes per present IRQ per simulated hour over steps [first, end). */
static double writes_rate(const struct figures *f, const struct step_record *s, size_t first, size_t end)
{
        double irqs = 0, writes = 0, hours = (double) (end - first) * f->sc->step / 3600.0;

        if (end == first)
                return 0;
        for (size_t i = first; i < end; i++) {
                irqs += s[i].irqs;
                writes += s[i].writes.total;
        }
        irqs /= (double) (end - first);
        return irqs > 0 ? writes / irqs / hours : 0;
}

static void summarize(const struct figures *f, size_t phase, struct phase_summary *ret)
{
        const struct step_record *s = (const struct step_record *) (const void *) f->steps->data;
        struct phase_summary p = { .converged = -1, .settled = -1 };
        size_t steady, k;
        double local = 0, with_node = 0, local_movable = 0, with_node_movable = 0;

        for (p.first = 0; p.first < f->steps->len && s[p.first].phase < phase; p.first++)
                ;
        for (p.end = p.first; p.end < f->steps->len && s[p.end].phase == phase; p.end++)
                ;
        if (p.end == p.first) {
                *ret = p;
                return;
        }
        /* Converged from step k on: within the bound at every later step, and the
         * daemon wrote nothing more. */
        for (k = p.end; k > p.first && ratio(&s[k - 1]) <= CONVERGED_RATIO && s[k - 1].writes.total == 0; k--)
                ;
        if (k < p.end)
                p.converged = (long) (k - p.first);
        /* The steady state: from convergence on, or the second half of the phase. */
        steady = k < p.end ? k : p.first + (p.end - p.first) / 2;
        p.steady = steady;
        for (size_t i = steady; i < p.end; i++) {
                p.ratio_mean += ratio(&s[i]);
                p.best_mean += best_ratio(&s[i]);
                p.constrained_mean += constrained_ratio(&s[i]);
                p.placed_expected_mean += placed_expected_ratio(&s[i]);
                local += s[i].local;
                with_node += s[i].with_node;
                local_movable += s[i].local_movable;
                with_node_movable += s[i].with_node_movable;
        }
        p.ratio_mean /= (double) (p.end - steady);
        p.best_mean /= (double) (p.end - steady);
        p.constrained_mean /= (double) (p.end - steady);
        p.placed_expected_mean /= (double) (p.end - steady);
        p.local_share = with_node > 0 ? local / with_node : NAN;
        p.local_movable_share = with_node_movable > 0 ? local_movable / with_node_movable : NAN;
        /* Settled: where a placement the bound cannot reach (one IRQ per CPU at most
         * for equal IRQs, say) still stops moving. */
        for (k = p.end; k > p.first && s[k - 1].writes.total == 0; k--)
                ;
        if (k < p.end)
                p.settled = (long) (k - p.first);
        for (size_t i = p.first; i < p.end; i++) {
                p.banned_max = fmax(p.banned_max, s[i].banned);
                add(&p.writes, &s[i].writes);
        }
        p.writes_per_irq_hour = writes_rate(f, s, p.first, p.end);
        p.steady_writes_per_irq_hour = writes_rate(f, s, steady, p.end);
        p.ratio_last = ratio(&s[p.end - 1]);
        p.best_last = best_ratio(&s[p.end - 1]);
        p.constrained_last = constrained_ratio(&s[p.end - 1]);
        p.placed_expected_last = placed_expected_ratio(&s[p.end - 1]);
        p.peak_last = s[p.end - 1].peak;
        p.bound_last = s[p.end - 1].lower_bound;
        *ret = p;
}

void figures_print_table(const struct figures *f, FILE *out)
{
        fprintf(out, "%-14s %6s %9s %9s %7s %11s %8s %9s %8s %7s\n", "PHASE", "STEPS", "PEAK/LB", "MEAN",
                "LOCAL", "WRITES/IRQ/H", "CONVERGE", "BANNED%", "MANAGED", "PINNED");
        for (size_t i = 0; i < f->sc->n_phases; i++) {
                struct phase_summary p;
                char conv[32], local[32];

                summarize(f, i, &p);
                if (p.end == p.first)
                        continue;
                if (p.converged >= 0)
                        snprintf(conv, sizeof(conv), "%ld", p.converged);
                else
                        snprintf(conv, sizeof(conv), "-");
                if (isnan(p.local_share))
                        snprintf(local, sizeof(local), "-");
                else
                        snprintf(local, sizeof(local), "%.0f%%", 100 * p.local_share);
                fprintf(out, "%-14s %6zu %9.2f %9.2f %7s %11.1f %8s %9.2f %8u %7u\n", f->sc->phases[i].name,
                        p.end - p.first, p.ratio_last, p.ratio_mean, local, p.writes_per_irq_hour, conv,
                        100 * p.banned_max / 1e6, p.writes.managed, p.writes.pinned);
                if (f->reload_status[i])
                        fprintf(out, "  reload: %s\n", *f->reload_status[i] ? f->reload_status[i] :
                                "(READY=1 without STATUS=)");
        }
        fprintf(out, "Writes: %u at start-up, %u while stopping.\n", f->startup.total, f->shutdown.total);
        if (f->daemon) {
                fprintf(out, "Daemon exit status %d; masks restored for %u of %u IRQs it wrote.\n",
                        f->daemon_status, f->restore_ok, f->restore_checked);
                for (guint i = 0; i < f->restore_mismatches->len; i++)
                        fprintf(out, "  not restored: %s\n", (const char *) f->restore_mismatches->pdata[i]);
        }
}

static void writes_json(struct json_writer *w, const char *key, const struct rootfs_writes *x)
{
        json_key(w, key);
        json_begin_object(w);
        json_key(w, "total");
        json_uint(w, x->total);
        json_key(w, "managed");
        json_uint(w, x->managed);
        json_key(w, "pinned");
        json_uint(w, x->pinned);
        json_end_object(w);
}

static void phase_json(struct json_writer *w, const struct figures *f, size_t i, const struct phase_summary *p)
{
        json_begin_object(w);
        json_key(w, "name");
        json_string(w, f->sc->phases[i].name);
        if (f->reload_status[i]) {
                json_key(w, "reload_status");
                json_string(w, f->reload_status[i]);
        }
        json_key(w, "steps");
        json_uint(w, p->end - p->first);
        /* What happens at its start (a load shift when > 0) and its rate noise. */
        json_key(w, "events");
        json_uint(w, f->sc->phases[i].n_events);
        json_key(w, "noise");
        json_double(w, f->sc->phases[i].noise);
        json_key(w, "peak_over_bound_last");
        json_double(w, p->ratio_last);
        json_key(w, "peak_over_bound_mean");
        json_double(w, p->ratio_mean);
        /* Loads in CPUs (1.0 = one CPU busy with interrupts all the time). */
        json_key(w, "peak_load_last");
        json_double(w, p->peak_last / 1e6);
        json_key(w, "lower_bound_last");
        json_double(w, p->bound_last / 1e6);
        /* What the constraints allow: a simple placement's peak ÷ the same bound. */
        json_key(w, "best_over_bound_last");
        json_double(w, p->best_last);
        json_key(w, "best_over_bound_mean");
        json_double(w, p->best_mean);
        /* What they allow at best, proven: a lower bound under the same constraints. */
        json_key(w, "constrained_bound_over_bound_last");
        json_double(w, p->constrained_last);
        json_key(w, "constrained_bound_over_bound_mean");
        json_double(w, p->constrained_mean);
        /* The daemon's placement under the expected loads, without the noise. */
        json_key(w, "placed_expected_over_bound_last");
        json_double(w, p->placed_expected_last);
        json_key(w, "placed_expected_over_bound_mean");
        json_double(w, p->placed_expected_mean);
        json_key(w, "node_local_share");
        json_double(w, p->local_share);
        json_key(w, "node_local_share_movable");
        json_double(w, p->local_movable_share);
        writes_json(w, "writes", &p->writes);
        json_key(w, "writes_per_irq_hour");
        json_double(w, p->writes_per_irq_hour);
        json_key(w, "steady_from");
        json_uint(w, p->steady - p->first);
        json_key(w, "steady_writes_per_irq_hour");
        json_double(w, p->steady_writes_per_irq_hour);
        json_key(w, "converged_after");
        if (p->converged >= 0)
                json_int(w, p->converged);
        else
                json_null(w);
        json_key(w, "settled_after");
        if (p->settled >= 0)
                json_int(w, p->settled);
        else
                json_null(w);
        json_key(w, "banned_cpu_load_max");
        json_double(w, p->banned_max / 1e6);
        json_end_object(w);
}

void figures_to_json(const struct figures *f, GString *out)
{
        struct json_writer w;

        json_writer_init(&w, out, true);
        json_begin_object(&w);
        json_key(&w, "scenario");
        json_string(&w, f->sc->path);
        json_key(&w, "seed");
        json_uint(&w, f->sc->seed);
        json_key(&w, "step_seconds");
        json_double(&w, f->sc->step);
        json_key(&w, "converged_ratio");
        json_double(&w, CONVERGED_RATIO);
        json_key(&w, "phases");
        json_begin_array(&w);
        for (size_t i = 0; i < f->sc->n_phases; i++) {
                struct phase_summary p;

                summarize(f, i, &p);
                if (p.end > p.first)
                        phase_json(&w, f, i, &p);
        }
        json_end_array(&w);
        writes_json(&w, "startup_writes", &f->startup);
        writes_json(&w, "shutdown_writes", &f->shutdown);
        json_key(&w, "daemon");
        if (f->daemon) {
                json_begin_object(&w);
                json_key(&w, "exit_status");
                json_int(&w, f->daemon_status);
                json_key(&w, "restore_checked");
                json_uint(&w, f->restore_checked);
                json_key(&w, "restore_ok");
                json_uint(&w, f->restore_ok);
                json_key(&w, "not_restored");
                json_begin_array(&w);
                for (guint i = 0; i < f->restore_mismatches->len; i++)
                        json_string(&w, f->restore_mismatches->pdata[i]);
                json_end_array(&w);
                json_end_object(&w);
        } else {
                json_null(&w);
        }
        json_end_object(&w);
        g_string_append_c(out, '\n');
}
