/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <hwloc.h>
#include <stdbool.h>
#include <stdint.h>

#include "irqbal/topology.h"
#include "scenario.h"

/* The simulated kernel: CPUs going on and offline, IRQs with a mask and one effective
 * CPU, per-CPU 32-bit counters, and the x86 delivery rule (DESIGN.md §4.4, §4.7). It
 * knows nothing of files: sim/rootfs.c shows it as a root and feeds writes back. */

enum { SOFTIRQ_HI, SOFTIRQ_TIMER, SOFTIRQ_NET_TX, SOFTIRQ_NET_RX, SOFTIRQ_BLOCK,
       SOFTIRQ_IRQ_POLL, SOFTIRQ_TASKLET, SOFTIRQ_SCHED, SOFTIRQ_HRTIMER, SOFTIRQ_RCU,
       N_SOFTIRQS };

struct sim_device {
        const struct sc_device *sc;
        hwloc_bitmap_t local;           /* its node's CPUs; every CPU without a node */
};

struct sim_irq {
        unsigned number;
        char *name, *chip, *handler;
        unsigned long hwirq;
        int device;                     /* index into machine.devices, -1 for none */
        int node;
        double rate, cost;              /* interrupts/s, µs per interrupt */
        double storm_saved;             /* the rate a Storm= replaced, or < 0 */
        bool managed;
        bool present;                   /* registered: has /proc/irq/N */
        bool shutdown;                  /* managed, every CPU of its mask offline */
        bool pinned;                    /* an admin (Pin=) set its mask */
        bool daemon_wrote;
        hwloc_bitmap_t mask;            /* smp_affinity */
        hwloc_bitmap_t effective;       /* one CPU, empty while shut down */
        hwloc_bitmap_t original;        /* what the daemon should restore on exit */
        uint32_t *counts;               /* per CPU; 32-bit like the kernel's */
        uint64_t step_count;            /* delivered in the last step … */
        int step_cpu;                   /* … to this CPU (-1: none) */
};

struct machine {
        struct topology *topo;
        unsigned ncpus;                 /* nr_cpu_ids: highest CPU number + 1 */
        hwloc_bitmap_t possible, online, isolated, nohz_full, vectors_full;
        struct sim_device *devices;
        size_t n_devices;
        struct sim_irq *irqs;           /* every IRQ the scenario names, sorted */
        size_t n_irqs;
        GRand *rand;
        double step;                    /* seconds per step */
        double uptime, idle;            /* /proc/uptime */
        double *load;                   /* per CPU: µs of IRQ work per s, last step */
        double *cpu_time;               /* per CPU: user, system, idle, irq (s), 4 each */
        bool irq_time;                  /* IRQ work counts as irq time, not system */
        uint64_t *softirqs;             /* [softirq * ncpus + cpu] */
        uint64_t intr_total;
        /* x86's vector matrix, as far as it picks CPUs: per CPU, the vectors that count
         * against "available" (non-managed IRQs started there, and a reservation for
         * each managed IRQ whose mask holds the CPU), and the managed IRQs started
         * there. Rebuilt before each round of placements (vectors_recount()). */
        unsigned *vectors_taken, *managed_started;
        hwloc_bitmap_t scratch;
};

/* Builds the machine from the scenario on topology TOPO (taken over). */
int machine_new(const struct scenario *s, struct topology *topo, struct machine **ret);
void machine_free(struct machine *m);

struct sim_irq *machine_find_irq(struct machine *m, unsigned number);

/* Applies a phase's events (they happen at its start); -EINVAL names the bad one. */
int machine_begin_phase(struct machine *m, const struct sc_phase *p);
/* Undoes the phase's storms. */
void machine_end_phase(struct machine *m);

/* A write to smp_affinity as the kernel takes it: -EPERM for a managed IRQ, -EINVAL
 * when no CPU of the mask is online. The effective CPU moves at the next step. */
int machine_set_mask(struct machine *m, struct sim_irq *irq, hwloc_const_bitmap_t mask);

/* Advances one step: delivers every IRQ's interrupts (rate × step × noise) to one CPU
 * and updates the counters, the per-CPU loads and the clock. */
void machine_step(struct machine *m, double noise);
