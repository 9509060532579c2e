/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/cpuset.h"
#include "irqbal/json.h"
#include "irqbal/macro.h"
#include "figures.h"

void figures_init(struct figures *f, const struct scenario *sc)
{
        *f = (struct figures) {
                .sc = sc,
                .steps = g_array_new(false, true, sizeof(struct step_record)),
                .restore_mismatches = g_ptr_array_new_with_free_func(g_free),
        };
}

void figures_done(struct figures *f)
{
        g_array_free(f->steps, true);
        g_ptr_array_free(f->restore_mismatches, true);
}

void figures_record_step(struct figures *f, size_t phase, const struct machine *m)
{
        struct step_record rec = { .phase = phase };
        hwloc_bitmap_t usable = hwloc_bitmap_dup(m->online);
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
                if (irq->device >= 0 && irq->node >= 0) {
                        rec.with_node += load;
                        if (hwloc_bitmap_isset(m->devices[irq->device].local, (unsigned) irq->step_cpu))
                                rec.local += load;
                }
        }
        for (cpu = 0; cpu < m->ncpus; cpu++) {
                rec.peak = fmax(rec.peak, m->load[cpu]);
                if (!hwloc_bitmap_isset(usable, cpu))
                        rec.banned += m->load[cpu];
        }
        rec.lower_bound = fmax(n_usable > 0 ? total / n_usable : total, heaviest);
        hwloc_bitmap_free(usable);
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
        long converged;                 /* cycles after the start, -1: never */
        double ratio_last, ratio_mean;  /* at the last step, mean over steady steps */
        double local_share;             /* NaN: no device IRQ with a node had load */
        double banned_max;              /* µs/s */
        double peak_last, bound_last;   /* µs/s */
        struct rootfs_writes writes;
        double writes_per_irq_hour;
};

static void summarize(const struct figures *f, size_t phase, struct phase_summary *ret)
{
        const struct step_record *s = (const struct step_record *) (const void *) f->steps->data;
        struct phase_summary p = { .converged = -1 };
        size_t steady, k;
        double local = 0, with_node = 0, irqs = 0, hours;

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
        for (size_t i = steady; i < p.end; i++) {
                p.ratio_mean += ratio(&s[i]);
                local += s[i].local;
                with_node += s[i].with_node;
        }
        p.ratio_mean /= (double) (p.end - steady);
        p.local_share = with_node > 0 ? local / with_node : NAN;
        for (size_t i = p.first; i < p.end; i++) {
                p.banned_max = fmax(p.banned_max, s[i].banned);
                add(&p.writes, &s[i].writes);
                irqs += s[i].irqs;
        }
        irqs /= (double) (p.end - p.first);
        hours = (double) (p.end - p.first) * f->sc->step / 3600.0;
        p.writes_per_irq_hour = irqs > 0 ? p.writes.total / irqs / hours : 0;
        p.ratio_last = ratio(&s[p.end - 1]);
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
        json_key(w, "steps");
        json_uint(w, p->end - p->first);
        json_key(w, "peak_over_bound_last");
        json_double(w, p->ratio_last);
        json_key(w, "peak_over_bound_mean");
        json_double(w, p->ratio_mean);
        /* Loads in CPUs (1.0 = one CPU busy with interrupts all the time). */
        json_key(w, "peak_load_last");
        json_double(w, p->peak_last / 1e6);
        json_key(w, "lower_bound_last");
        json_double(w, p->bound_last / 1e6);
        json_key(w, "node_local_share");
        json_double(w, p->local_share);
        writes_json(w, "writes", &p->writes);
        json_key(w, "writes_per_irq_hour");
        json_double(w, p->writes_per_irq_hour);
        json_key(w, "converged_after");
        if (p->converged >= 0)
                json_int(w, p->converged);
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
