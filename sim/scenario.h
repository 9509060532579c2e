/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

/* A scenario file (GKeyFile .ini, documented in sim/README.md) as plain data: what the
 * machine has and what happens to it, phase by phase. Parsing checks the syntax and
 * the values; names and IRQ numbers are resolved against the machine later. */

enum sim_dev_class {
        SIM_DEV_NET,
        SIM_DEV_STORAGE,
        SIM_DEV_GPU,
        SIM_DEV_OTHER,
};

struct sc_device {
        char *name;             /* "eth0" from [Device eth0] */
        char *address;          /* PCI address "0000:3b:00.0" */
        char *driver;
        char *interface;        /* net: the netdev name (default: the device name) */
        enum sim_dev_class class;
        int node;               /* -1: no NUMA locality */
        unsigned queues;
        unsigned first_irq;
        bool managed;
        bool present;           /* false: appears with an AddIrq= event */
        double rate;            /* interrupts/s per queue */
        double cost;            /* µs per interrupt */
        char *mask;             /* initial cpulist of non-managed queues; NULL: all CPUs */
};

struct sc_irq {
        unsigned irq;
        char *name;
        char *chip;             /* "IO-APIC" */
        char *handler;          /* "edge", "fasteoi" */
        int node;
        bool present;
        double rate, cost;
        char *mask;             /* NULL: all CPUs */
};

enum sc_event_kind {
        SC_EV_RATE,             /* target: device or IRQ; value: rate per IRQ */
        SC_EV_STORM,            /* like RATE, undone at the end of the phase */
        SC_EV_OFFLINE,          /* cpus */
        SC_EV_ONLINE,           /* cpus */
        SC_EV_ADD,              /* target */
        SC_EV_REMOVE,           /* target */
        SC_EV_PIN,              /* target, cpus */
        SC_EV_VECTORS_FULL,     /* cpus ("" clears) */
};

struct sc_event {
        enum sc_event_kind kind;
        char *target;           /* a device name or an IRQ number */
        char *cpus;             /* a cpulist */
        double value;
};

struct sc_phase {
        char *name;
        unsigned steps;
        double noise;           /* ±fraction of each IRQ's rate, per step */
        bool reload;            /* SIGHUP the daemon at the phase start (Reload=yes) */
        struct sc_event *events;
        size_t n_events;
};

/* A file of the daemon's configuration that the scenario lays out under the root:
 * [File PATH] or, to name the same path again, [File PATH @LABEL]. */
struct sc_file {
        char *group;            /* "File /etc/irqbald/irqbald.conf @broken", for messages */
        char *path;             /* absolute, under one of irqbald's configuration trees */
        char *content;          /* NULL when removed */
        unsigned mode;
        int phase;              /* index into scenario.phases; -1: before the daemon starts */
        bool remove;
};

struct scenario {
        char *path;
        char *topology;         /* "synthetic:…" or an XML path (made absolute) */
        char *isolated, *nohz_full, *offline;  /* cpulists, "" when none */
        uint32_t seed;
        double step;            /* simulated seconds per step */
        bool irq_time;          /* /proc/stat counts IRQ time (CONFIG_IRQ_TIME_ACCOUNTING) */
        struct sc_device *devices;
        size_t n_devices;
        struct sc_irq *irqs;
        size_t n_irqs;
        struct sc_phase *phases;
        size_t n_phases;
        struct sc_file *files;          /* in file order, which is the order they are written */
        size_t n_files;
};

/* Loads PATH. Errors are logged with the file, group and key; returns 0 or -errno
 * (-EINVAL for a malformed file). */
int scenario_load(const char *path, struct scenario **ret);
void scenario_free(struct scenario *s);

const char *sim_dev_class_to_string(enum sim_dev_class c);
