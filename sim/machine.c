/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/cpuset.h"
#include "irqbal/log.h"
#include "irqbal/macro.h"
#include "machine.h"

/* The machine has booted a minute before the daemon starts: a zero uptime would look
 * like a clock that never moved. */
#define BOOT_UPTIME 60.0
/* Background CPU use besides interrupts, so that /proc/stat looks like a busy box. */
#define USER_SHARE 0.10
#define SYSTEM_SHARE 0.03
/* Timer softirqs per second per online CPU (HZ=250) and a few scheduler/RCU ones. */
#define TIMER_HZ 250
#define SCHED_HZ 50
#define RCU_HZ 20

static int cmp_irq(const void *a, const void *b)
{
        const struct sim_irq *x = a, *y = b;

        return x->number < y->number ? -1 : x->number > y->number;
}

struct sim_irq *machine_find_irq(struct machine *m, unsigned number)
{
        struct sim_irq key = { .number = number };

        return bsearch(&key, m->irqs, m->n_irqs, sizeof(*m->irqs), cmp_irq);
}

static int parse_cpus(const char *what, const char *s, hwloc_bitmap_t set)
{
        int r = cpulist_parse(s ? s : "", set);

        if (r < 0)
                return log_error_errno(r, "%s: \"%s\" is not a CPU list.", what, s);
        return 0;
}

static bool has_online(const struct machine *m, hwloc_const_bitmap_t mask)
{
        return hwloc_bitmap_intersects(mask, m->online);
}

/* x86's vector allocator (kernel/irq/matrix.c) picks the CPU of the mask whose vector
 * space is emptiest: matrix_find_best_cpu() takes the online CPU with the most vectors
 * available, the first one on a tie. */
static int most_available(const struct machine *m, hwloc_const_bitmap_t mask)
{
        int cpu, best = -1;

        hwloc_bitmap_foreach_begin(cpu, mask)
                if (hwloc_bitmap_isset(m->online, (unsigned) cpu) &&
                    (best < 0 || m->vectors_taken[cpu] < m->vectors_taken[best]))
                        best = cpu;
        hwloc_bitmap_foreach_end();
        return best;
}

/* A managed IRQ starts on the online CPU of its mask with the fewest managed IRQs
 * started (matrix_find_best_cpu_managed(): it compares with ">", so the LAST such CPU
 * on a tie). This is what spreads queue k of several controllers, which share a mask,
 * over that mask's CPUs. */
static int fewest_managed(const struct machine *m, hwloc_const_bitmap_t mask)
{
        int cpu, best = -1;

        hwloc_bitmap_foreach_begin(cpu, mask)
                if (hwloc_bitmap_isset(m->online, (unsigned) cpu) &&
                    (best < 0 || m->managed_started[cpu] <= m->managed_started[best]))
                        best = cpu;
        hwloc_bitmap_foreach_end();
        return best;
}

static unsigned *started_count(struct machine *m, const struct sim_irq *irq, int cpu)
{
        return irq->managed ? &m->managed_started[cpu] : &m->vectors_taken[cpu];
}

/* Moves IRQ to CPU (-1: nowhere, shut down) in the matrix and in its effective set. */
static void start_on(struct machine *m, struct sim_irq *irq, int cpu)
{
        int cur = hwloc_bitmap_first(irq->effective);

        if (cur >= 0)
                (*started_count(m, irq, cur))--;
        hwloc_bitmap_zero(irq->effective);
        if (cpu >= 0) {
                hwloc_bitmap_set(irq->effective, (unsigned) cpu);
                (*started_count(m, irq, cpu))++;
        }
}

/* The CPUs of NUMA node NODE, or NULL: no such node. */
static hwloc_const_bitmap_t node_cpus(const struct machine *m, int node)
{
        for (size_t n = 0; n < m->topo->n_nodes; n++)
                if (m->topo->nodes[n].os_index == node)
                        return m->topo->nodes[n].cpus;
        return NULL;
}

/* A non-managed IRQ's first CPU (assign_irq_vector_any_locked()): one of its mask on
 * its device's node if there is one online, else one of its mask. */
static int activation_cpu(struct machine *m, const struct sim_irq *irq)
{
        hwloc_const_bitmap_t local = node_cpus(m, irq->node);
        int cpu = -1;

        if (local) {
                hwloc_bitmap_and(m->scratch, local, irq->mask);
                cpu = most_available(m, m->scratch);
        }
        return cpu >= 0 ? cpu : most_available(m, irq->mask);
}

/* x86 (assign_vector_locked(), assign_managed_vector()): an IRQ stays where it is while
 * that CPU is in its mask and online; else the allocator picks a CPU of the mask. */
static void place(struct machine *m, struct sim_irq *irq)
{
        int cur = hwloc_bitmap_first(irq->effective);

        if (cur >= 0 && hwloc_bitmap_isset(irq->mask, (unsigned) cur) &&
            hwloc_bitmap_isset(m->online, (unsigned) cur))
                return;
        if (irq->managed)
                start_on(m, irq, fewest_managed(m, irq->mask));
        else
                start_on(m, irq, cur < 0 ? activation_cpu(m, irq) : most_available(m, irq->mask));
}

/* The matrix from the IRQs' state: what a round of place() calls starts from. An IRQ
 * that is not registered holds no vector. */
static void vectors_recount(struct machine *m)
{
        memset(m->vectors_taken, 0, m->ncpus * sizeof(*m->vectors_taken));
        memset(m->managed_started, 0, m->ncpus * sizeof(*m->managed_started));
        for (size_t i = 0; i < m->n_irqs; i++) {
                const struct sim_irq *irq = &m->irqs[i];
                int started = hwloc_bitmap_first(irq->effective), cpu;

                if (!irq->present)
                        continue;
                /* irq_matrix_reserve_managed(): one vector on every CPU of the mask. */
                if (irq->managed)
                        hwloc_bitmap_foreach_begin(cpu, irq->mask)
                                m->vectors_taken[cpu]++;
                        hwloc_bitmap_foreach_end();
                if (started >= 0)
                        (*started_count(m, irq, started))++;
        }
}

/* The kernel's spreading of managed vectors: the possible CPUs, node by node, cut into
 * one group per queue (a CPU per queue when there are as many queues as CPUs). */
static void managed_spread(const struct machine *m, unsigned queue, unsigned queues,
                           hwloc_bitmap_t ret)
{
        g_autofree unsigned *order = g_new(unsigned, m->ncpus);
        unsigned n = 0;
        int cpu;

        for (size_t i = 0; i < m->topo->n_nodes; i++)
                hwloc_bitmap_foreach_begin(cpu, m->topo->nodes[i].cpus)
                        order[n++] = (unsigned) cpu;
                hwloc_bitmap_foreach_end();
        hwloc_bitmap_foreach_begin(cpu, m->possible)
                bool seen = false;

                for (unsigned i = 0; i < n && !seen; i++)
                        seen = order[i] == (unsigned) cpu;
                if (!seen)
                        order[n++] = (unsigned) cpu;
        hwloc_bitmap_foreach_end();

        hwloc_bitmap_zero(ret);
        if (queues >= n) {
                hwloc_bitmap_set(ret, order[queue % n]);
                return;
        }
        for (unsigned i = queue * n / queues; i < (queue + 1) * n / queues; i++)
                hwloc_bitmap_set(ret, order[i]);
}

static char *queue_name(const struct sc_device *d, unsigned q)
{
        switch (d->class) {
        case SIM_DEV_NET:
                return g_strdup_printf("%s-TxRx-%u", d->interface, q);
        case SIM_DEV_STORAGE:
                return g_strdup_printf("%sq%u", d->interface, q + 1);
        default:
                return d->queues == 1 ? g_strdup(d->interface) : g_strdup_printf("%s-%u", d->interface, q);
        }
}

static int init_irq(struct machine *m, struct sim_irq *irq, const char *mask)
{
        irq->mask = hwloc_bitmap_alloc();
        irq->effective = hwloc_bitmap_alloc();
        irq->original = hwloc_bitmap_alloc();
        irq->counts = g_new0(uint32_t, m->ncpus);
        irq->step_cpu = -1;
        irq->storm_saved = -1;
        if (!irq->mask || !irq->effective || !irq->original)
                return -ENOMEM;
        if (mask) {
                g_autofree char *what = g_strdup_printf("IRQ %u Mask=", irq->number);
                int r = parse_cpus(what, mask, irq->mask);

                if (r < 0)
                        return r;
                if (!has_online(m, irq->mask))
                        return log_error_errno(EINVAL, "IRQ %u: Mask=%s has no online CPU.", irq->number, mask);
        } else {
                hwloc_bitmap_copy(irq->mask, m->possible);
        }
        hwloc_bitmap_copy(irq->original, irq->mask);
        return 0;
}

static int add_devices(struct machine *m, const struct scenario *s, GArray *irqs)
{
        m->devices = g_new0(struct sim_device, s->n_devices);
        m->n_devices = s->n_devices;
        for (size_t i = 0; i < s->n_devices; i++) {
                const struct sc_device *d = &s->devices[i];
                struct sim_device *sd = &m->devices[i];

                sd->sc = d;
                sd->local = hwloc_bitmap_dup(m->possible);
                if (d->node >= 0) {
                        hwloc_const_bitmap_t cpus = node_cpus(m, d->node);

                        if (!cpus)
                                return log_error_errno(EINVAL, "Device %s: the topology has no NUMA node %d.",
                                                       d->name, d->node);
                        hwloc_bitmap_copy(sd->local, cpus);
                }
                for (unsigned q = 0; q < d->queues; q++) {
                        struct sim_irq irq = {
                                .number = d->first_irq + q,
                                .name = queue_name(d, q),
                                .chip = g_strdup_printf("IR-PCI-MSIX-%s", d->address),
                                .handler = g_strdup("edge"),
                                .hwirq = q,
                                .device = (int) i,
                                .node = d->node,
                                .rate = d->rate,
                                .cost = d->cost,
                                .managed = d->managed,
                                .present = d->present,
                        };
                        int r = init_irq(m, &irq, d->managed ? NULL : d->mask);

                        g_array_append_val(irqs, irq);
                        if (r < 0)
                                return r;
                        if (d->managed) {
                                struct sim_irq *p = &g_array_index(irqs, struct sim_irq, irqs->len - 1);

                                managed_spread(m, q, d->queues, p->mask);
                                hwloc_bitmap_copy(p->original, p->mask);
                        }
                }
        }
        return 0;
}

static int add_irqs(struct machine *m, const struct scenario *s, GArray *irqs)
{
        for (size_t i = 0; i < s->n_irqs; i++) {
                const struct sc_irq *q = &s->irqs[i];
                struct sim_irq irq = {
                        .number = q->irq,
                        .name = g_strdup(q->name),
                        .chip = g_strdup(q->chip),
                        .handler = g_strdup(q->handler),
                        .hwirq = q->irq,
                        .device = -1,
                        .node = q->node,
                        .rate = q->rate,
                        .cost = q->cost,
                        .present = q->present,
                };
                int r = init_irq(m, &irq, q->mask);

                g_array_append_val(irqs, irq);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int init_cpus(struct machine *m, const struct scenario *s)
{
        hwloc_bitmap_t offline = hwloc_bitmap_alloc();
        int r;

        m->possible = hwloc_bitmap_dup(m->topo->all);
        m->online = hwloc_bitmap_dup(m->topo->all);
        m->isolated = hwloc_bitmap_alloc();
        m->nohz_full = hwloc_bitmap_alloc();
        m->vectors_full = hwloc_bitmap_alloc();
        if (!offline || !m->possible || !m->online || !m->isolated || !m->nohz_full || !m->vectors_full) {
                hwloc_bitmap_free(offline);
                return -ENOMEM;
        }
        if ((r = parse_cpus("Isolated=", s->isolated, m->isolated)) < 0 ||
            (r = parse_cpus("NohzFull=", s->nohz_full, m->nohz_full)) < 0 ||
            (r = parse_cpus("Offline=", s->offline, offline)) < 0) {
                hwloc_bitmap_free(offline);
                return r;
        }
        hwloc_bitmap_andnot(m->online, m->online, offline);
        hwloc_bitmap_free(offline);
        if (hwloc_bitmap_iszero(m->online))
                return log_error_errno(EINVAL, "The machine needs at least one online CPU.");
        m->ncpus = (unsigned) hwloc_bitmap_last(m->possible) + 1;
        return 0;
}

/* The drivers start their IRQs in IRQ order; every managed IRQ's reservation is made
 * first, as a device reserves all its vectors before it starts one. */
static void boot(struct machine *m)
{
        vectors_recount(m);
        for (size_t i = 0; i < m->n_irqs; i++) {
                struct sim_irq *irq = &m->irqs[i];

                if (!irq->present)
                        continue;
                place(m, irq);
                irq->shutdown = irq->managed && hwloc_bitmap_iszero(irq->effective);
        }
}

int machine_new(const struct scenario *s, struct topology *topo, struct machine **ret)
{
        struct machine *m = g_new0(struct machine, 1);
        GArray *irqs = g_array_new(false, true, sizeof(struct sim_irq));
        int r;

        m->topo = topo;
        m->step = s->step;
        m->irq_time = s->irq_time;
        m->uptime = BOOT_UPTIME;
        m->rand = g_rand_new_with_seed(s->seed);
        r = init_cpus(m, s);
        if (r == 0) {
                m->load = g_new0(double, m->ncpus);
                m->cpu_time = g_new0(double, 4 * (size_t) m->ncpus);
                m->softirqs = g_new0(uint64_t, N_SOFTIRQS * (size_t) m->ncpus);
                m->vectors_taken = g_new0(unsigned, m->ncpus);
                m->managed_started = g_new0(unsigned, m->ncpus);
                m->scratch = hwloc_bitmap_alloc();
                r = m->scratch ? add_devices(m, s, irqs) : -ENOMEM;
        }
        if (r == 0)
                r = add_irqs(m, s, irqs);
        m->n_irqs = irqs->len;
        m->irqs = (struct sim_irq *) (void *) g_array_free(irqs, false);
        if (r == 0) {
                /* A machine with no IRQ (a scenario about files only) has no array. */
                if (m->n_irqs > 1)
                        qsort(m->irqs, m->n_irqs, sizeof(*m->irqs), cmp_irq);
                for (size_t i = 1; i < m->n_irqs; i++)
                        if (m->irqs[i].number == m->irqs[i - 1].number)
                                r = log_error_errno(EINVAL, "IRQ %u is declared twice (check FirstIrq= and Queues=).",
                                                    m->irqs[i].number);
        }
        if (r < 0) {
                machine_free(m);
                return r;
        }
        boot(m);
        *ret = m;
        return 0;
}

void machine_free(struct machine *m)
{
        if (!m)
                return;
        for (size_t i = 0; i < m->n_irqs; i++) {
                struct sim_irq *irq = &m->irqs[i];

                g_free(irq->name);
                g_free(irq->chip);
                g_free(irq->handler);
                hwloc_bitmap_free(irq->mask);
                hwloc_bitmap_free(irq->effective);
                hwloc_bitmap_free(irq->original);
                g_free(irq->counts);
        }
        for (size_t i = 0; i < m->n_devices; i++)
                hwloc_bitmap_free(m->devices[i].local);
        g_free(m->irqs);
        g_free(m->devices);
        g_free(m->load);
        g_free(m->cpu_time);
        g_free(m->softirqs);
        g_free(m->vectors_taken);
        g_free(m->managed_started);
        hwloc_bitmap_free(m->scratch);
        hwloc_bitmap_free(m->possible);
        hwloc_bitmap_free(m->online);
        hwloc_bitmap_free(m->isolated);
        hwloc_bitmap_free(m->nohz_full);
        hwloc_bitmap_free(m->vectors_full);
        if (m->rand)
                g_rand_free(m->rand);
        topology_free(m->topo);
        g_free(m);
}

/* Calls FN on every IRQ a target names: a device's queues or one IRQ number. */
static int for_target(struct machine *m, const char *target,
                      void (*fn)(struct machine *, struct sim_irq *, const struct sc_event *),
                      const struct sc_event *ev)
{
        char *end;
        unsigned long n = strtoul(target, &end, 10);
        struct sim_irq *irq;

        for (size_t i = 0; i < m->n_devices; i++)
                if (strcmp(m->devices[i].sc->name, target) == 0) {
                        for (size_t j = 0; j < m->n_irqs; j++)
                                if (m->irqs[j].device == (int) i)
                                        fn(m, &m->irqs[j], ev);
                        return 0;
                }
        if (end == target || *end || !(irq = machine_find_irq(m, (unsigned) n)))
                return log_error_errno(EINVAL, "No device or IRQ \"%s\" in the scenario.", target);
        fn(m, irq, ev);
        return 0;
}

static void set_rate(_unused_ struct machine *m, struct sim_irq *irq, const struct sc_event *ev)
{
        if (ev->kind == SC_EV_STORM && irq->storm_saved < 0)
                irq->storm_saved = irq->rate;
        irq->rate = ev->value;
}

static void add_irq(struct machine *m, struct sim_irq *irq, _unused_ const struct sc_event *ev)
{
        /* A new descriptor: counters start from zero. */
        if (!irq->present)
                memset(irq->counts, 0, m->ncpus * sizeof(*irq->counts));
        irq->present = true;
}

static void remove_irq(_unused_ struct machine *m, struct sim_irq *irq,
                       _unused_ const struct sc_event *ev)
{
        /* Its vector goes with its descriptor; a new one starts afresh (activation_cpu()). */
        irq->present = false;
        hwloc_bitmap_zero(irq->effective);
}

static void pin_irq(struct machine *m, struct sim_irq *irq, const struct sc_event *ev)
{
        hwloc_bitmap_t set = hwloc_bitmap_alloc();

        if (cpulist_parse(ev->cpus, set) == 0 && machine_set_mask(m, irq, set) == 0) {
                /* The admin's choice is what a well-behaved daemon leaves in place. */
                hwloc_bitmap_copy(irq->original, set);
                irq->pinned = true;
        } else {
                log_warning("Pin=%s:%s: not a usable CPU list for IRQ %u, ignored.",
                            ev->target, ev->cpus, irq->number);
        }
        hwloc_bitmap_free(set);
}

static void cpus_offline(struct machine *m, hwloc_const_bitmap_t cpus)
{
        hwloc_bitmap_andnot(m->online, m->online, cpus);
        vectors_recount(m);
        for (size_t i = 0; i < m->n_irqs; i++) {
                struct sim_irq *irq = &m->irqs[i];

                if (irq->managed) {
                        if (irq->present) {
                                place(m, irq);
                                irq->shutdown = hwloc_bitmap_iszero(irq->effective);
                        }
                        continue;
                }
                /* "Broken affinity": the kernel widens the mask to every online CPU (of
                 * an IRQ yet to appear too, so that it has a CPU to start on). */
                if (!has_online(m, irq->mask)) {
                        hwloc_bitmap_copy(irq->mask, m->online);
                        if (!irq->daemon_wrote)
                                hwloc_bitmap_copy(irq->original, irq->mask);
                }
                /* The dying CPU's IRQs move off it now, not at their next interrupt. */
                if (irq->present)
                        place(m, irq);
        }
}

static void cpus_online(struct machine *m, hwloc_const_bitmap_t cpus)
{
        hwloc_bitmap_or(m->online, m->online, cpus);
        vectors_recount(m);
        for (size_t i = 0; i < m->n_irqs; i++) {
                struct sim_irq *irq = &m->irqs[i];

                /* Managed IRQs start up again; other masks stay as the offline left them. */
                if (irq->present && irq->managed && irq->shutdown) {
                        place(m, irq);
                        irq->shutdown = hwloc_bitmap_iszero(irq->effective);
                }
        }
}

static int cpu_event(struct machine *m, const struct sc_event *ev)
{
        hwloc_bitmap_t set = hwloc_bitmap_alloc();
        int r = parse_cpus(ev->kind == SC_EV_OFFLINE ? "Offline=" :
                           ev->kind == SC_EV_ONLINE ? "Online=" : "VectorsFull=", ev->cpus, set);

        if (r == 0 && !hwloc_bitmap_isincluded(set, m->possible))
                r = log_error_errno(EINVAL, "CPU list %s names CPUs the machine does not have.", ev->cpus);
        if (r == 0) {
                switch (ev->kind) {
                case SC_EV_OFFLINE:
                        if (hwloc_bitmap_isincluded(m->online, set))
                                r = log_error_errno(EINVAL, "Offline=%s would leave no CPU online.", ev->cpus);
                        else
                                cpus_offline(m, set);
                        break;
                case SC_EV_ONLINE:
                        cpus_online(m, set);
                        break;
                default:
                        hwloc_bitmap_copy(m->vectors_full, set);
                        break;
                }
        }
        hwloc_bitmap_free(set);
        return r;
}

int machine_begin_phase(struct machine *m, const struct sc_phase *p)
{
        for (size_t i = 0; i < p->n_events; i++) {
                const struct sc_event *ev = &p->events[i];
                int r;

                switch (ev->kind) {
                case SC_EV_RATE:
                case SC_EV_STORM:
                        r = for_target(m, ev->target, set_rate, ev);
                        break;
                case SC_EV_ADD:
                        r = for_target(m, ev->target, add_irq, ev);
                        break;
                case SC_EV_REMOVE:
                        r = for_target(m, ev->target, remove_irq, ev);
                        break;
                case SC_EV_PIN:
                        r = for_target(m, ev->target, pin_irq, ev);
                        break;
                default:
                        r = cpu_event(m, ev);
                        break;
                }
                if (r < 0)
                        return log_error_errno(r, "Phase %s: event %zu failed.", p->name, i + 1);
        }
        return 0;
}

void machine_end_phase(struct machine *m)
{
        for (size_t i = 0; i < m->n_irqs; i++)
                if (m->irqs[i].storm_saved >= 0) {
                        m->irqs[i].rate = m->irqs[i].storm_saved;
                        m->irqs[i].storm_saved = -1;
                }
}

int machine_set_mask(struct machine *m, struct sim_irq *irq, hwloc_const_bitmap_t mask)
{
        if (irq->managed)
                return -EPERM;
        if (!has_online(m, mask))
                return -EINVAL;
        hwloc_bitmap_copy(irq->mask, mask);
        return 0;
}

static int softirq_of(const struct machine *m, const struct sim_irq *irq)
{
        if (irq->device < 0)
                return -1;
        switch (m->devices[irq->device].sc->class) {
        case SIM_DEV_NET:
                return SOFTIRQ_NET_RX;
        case SIM_DEV_STORAGE:
                return SOFTIRQ_BLOCK;
        default:
                return -1;
        }
}

void machine_step(struct machine *m, double noise)
{
        unsigned cpu;

        memset(m->load, 0, m->ncpus * sizeof(*m->load));
        vectors_recount(m);
        for (size_t i = 0; i < m->n_irqs; i++) {
                struct sim_irq *irq = &m->irqs[i];
                /* Drawn for every IRQ, present or not, so that one IRQ's events do not
                 * shift the noise every other IRQ sees. */
                double factor = 1.0 + noise * (2.0 * g_rand_double(m->rand) - 1.0);
                double n = fmax(0.0, llround(irq->rate * m->step * factor));
                int si;

                irq->step_count = 0;
                irq->step_cpu = -1;
                if (!irq->present || irq->shutdown)
                        continue;
                place(m, irq);
                irq->step_cpu = hwloc_bitmap_first(irq->effective);
                if (irq->step_cpu < 0)
                        continue;
                irq->step_count = (uint64_t) n;
                /* Modulo 2^32, as the kernel's per-CPU unsigned int counters wrap. */
                irq->counts[irq->step_cpu] += (uint32_t) irq->step_count;
                m->intr_total += irq->step_count;
                m->load[irq->step_cpu] += n * irq->cost / m->step;
                si = softirq_of(m, irq);
                if (si >= 0)
                        m->softirqs[(size_t) si * m->ncpus + (unsigned) irq->step_cpu] += irq->step_count;
        }
        hwloc_bitmap_foreach_begin(cpu, m->online)
                double irq_share = fmin(1.0 - USER_SHARE - SYSTEM_SHARE, m->load[cpu] / 1e6);

                m->cpu_time[4 * cpu] += USER_SHARE * m->step;
                /* Without CONFIG_IRQ_TIME_ACCOUNTING the kernel counts the ticks that
                 * land in IRQ context as system time; with it, as irq time (here all
                 * as hard irq: a daemon adds the two). */
                m->cpu_time[4 * cpu + (m->irq_time ? 3 : 1)] += irq_share * m->step;
                m->cpu_time[4 * cpu + 1] += SYSTEM_SHARE * m->step;
                m->cpu_time[4 * cpu + 2] += (1.0 - USER_SHARE - SYSTEM_SHARE - irq_share) * m->step;
                m->idle += (1.0 - USER_SHARE - SYSTEM_SHARE - irq_share) * m->step;
                m->softirqs[SOFTIRQ_TIMER * m->ncpus + cpu] += (uint64_t) (TIMER_HZ * m->step);
                m->softirqs[SOFTIRQ_SCHED * m->ncpus + cpu] += (uint64_t) (SCHED_HZ * m->step);
                m->softirqs[SOFTIRQ_RCU * m->ncpus + cpu] += (uint64_t) (RCU_HZ * m->step);
        hwloc_bitmap_foreach_end();
        m->uptime += m->step;
}
