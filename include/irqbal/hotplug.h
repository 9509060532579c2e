/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-device.h>
#include <systemd/sd-event.h>

struct manager;

/* A burst of device events (a NIC bringing up 64 queues sends a few hundred) must make
 * one cycle, not one per event: the cycle runs once the events have been quiet this
 * long. Drivers finish requesting their IRQs within a few milliseconds of the last
 * event, so half a second is plenty and still "within one cycle" of an admin's view. */
#define HOTPLUG_SETTLE_USEC 500000ULL
/* A device that never stops sending events must not postpone the rescan forever. */
#define HOTPLUG_MAX_DELAY_USEC 5000000ULL

/* Test hook: with IRQBALD_HOTPLUG_ANY_ROOT=1 in the environment irqbald watches device
 * events even with a --root that is not "/", so that a test can run the daemon on a
 * fake root (never the real machine) and still feed it events. Nothing else sets it. */
#define HOTPLUG_ANY_ROOT_ENV "IRQBALD_HOTPLUG_ANY_ROOT"

/* Device events from udevd (sd-device monitor) for the subsystems whose changes bring
 * or take IRQs or CPUs: each asks the observer for a rescan and, debounced, for a
 * cycle. The per-cycle re-read of /sys/devices/system/cpu/online and /proc/stat finds
 * the same changes a cycle later; the events only make it sooner. */
struct hotplug {
        struct manager *manager;
        sd_device_monitor *monitor;
        sd_event_source *settle;        /* fires the debounced cycle */
        bool pending;                   /* events seen, their cycle not run yet */
        uint64_t first_usec;            /* CLOCK_MONOTONIC of the burst's first event */
        uint64_t events;                /* events taken since the start */
        uint64_t cycles;                /* cycles those events ran */
};

/* Starts watching device events on M's event loop. Never a precondition for balancing:
 * returns 1 and *RET when watching; 0 with *RET = NULL when not (a --root that is not
 * this machine, no netlink in a container: said once); -ENOMEM. */
int hotplug_start(struct manager *m, struct hotplug **ret);
void hotplug_free(struct hotplug *h);

